"""The database: schema, migrations and the queries each stage needs."""
