"""Web forms (Flask-WTF): what people type, checked, then handed to the services."""
