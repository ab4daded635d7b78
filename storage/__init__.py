"""All SQL lives here: connection, migrations, repositories, search index, content loader."""
