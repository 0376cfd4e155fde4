from fitintent.cli import app

app()
