"""Test support: the doubles, servers, factories and waits every test package shares."""
