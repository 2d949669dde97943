"""The MQTT telemetry ingestion service (run: ``python3 <this directory> -c odoo.conf``)."""
