"""A bare Flask app, served with the same gunicorn settings as Steward:
the ceiling that each page's throughput is compared with."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, world!"
