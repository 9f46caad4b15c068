#!/bin/sh
# Maps InfluxQL database "$INFLUX_BUCKET" (retention policy "autogen") to the InfluxDB 2 bucket of
# the same name, so Grafana's InfluxQL queries reach the data the audit worker writes with the v2 API.
# Idempotent: it does nothing when a mapping for that database already exists, so compose can run it
# on every start. Runs in the influxdb:2 image, whose influx CLI reads INFLUX_HOST, INFLUX_TOKEN and
# INFLUX_ORG from the environment.
set -eu

: "${INFLUX_HOST:?INFLUX_HOST must point at the InfluxDB 2 server, e.g. http://influxdb:8086}"
: "${INFLUX_TOKEN:?INFLUX_TOKEN must be an operator or all-access token}"
: "${INFLUX_ORG:?INFLUX_ORG must name the organization}"
: "${INFLUX_BUCKET:?INFLUX_BUCKET must name the bucket the audit worker writes to}"

if influx v1 dbrp list --db "$INFLUX_BUCKET" --hide-headers | grep -q .; then
  echo "DBRP mapping for database \"$INFLUX_BUCKET\" already exists"
  exit 0
fi

bucket_id=$(influx bucket list --name "$INFLUX_BUCKET" --hide-headers | cut -f1)
if [ -z "$bucket_id" ]; then
  echo "bucket \"$INFLUX_BUCKET\" not found in organization \"$INFLUX_ORG\"" >&2
  exit 1
fi

influx v1 dbrp create --db "$INFLUX_BUCKET" --rp autogen --bucket-id "$bucket_id" --default
echo "mapped database \"$INFLUX_BUCKET\" (retention policy autogen) to bucket $bucket_id"
