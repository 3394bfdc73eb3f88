"""Where articles come from: the seed folder and RSS/Atom/JSON feeds."""
