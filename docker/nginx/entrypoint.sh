#!/bin/sh
# Start of the stack's nginx: a self-signed certificate when none is there yet,
# then config/nginx/nginx.conf.template rendered (only its ${...} placeholders;
# nginx's own $variables are kept) into /etc/nginx/nginx.conf, then nginx.
#
# Real certificates: put fullchain + key in the directory mounted at
# /etc/nginx/certs (NGINX_CERT_DIR in docker/.env) as server.crt and server.key,
# or point NGINX_CERT / NGINX_CERT_KEY at them; nothing is generated then.
set -eu

: "${NGINX_SERVER_NAME:=localhost}"
export NGINX_USER=www-data
export NGINX_RUN_DIR=/var/lib/nginx
export NGINX_LOG_DIR=/var/log/nginx
export NGINX_HTTP_PORT=80
export NGINX_HTTPS_PORT=443
export NGINX_CERT="${NGINX_CERT:-/etc/nginx/certs/server.crt}"
export NGINX_CERT_KEY="${NGINX_CERT_KEY:-/etc/nginx/certs/server.key}"
export ODOO_HTTP="${ODOO_HTTP:-odoo:8069}"
export ODOO_WEBSOCKET="${ODOO_WEBSOCKET:-odoo:8072}"

if [ ! -s "$NGINX_CERT" ] || [ ! -s "$NGINX_CERT_KEY" ]; then
    echo "nginx: no certificate at $NGINX_CERT: generating a self-signed one for $NGINX_SERVER_NAME"
    mkdir -p "$(dirname "$NGINX_CERT")" "$(dirname "$NGINX_CERT_KEY")"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 \
        -subj "/CN=$NGINX_SERVER_NAME" -addext "subjectAltName=DNS:$NGINX_SERVER_NAME" \
        -keyout "$NGINX_CERT_KEY" -out "$NGINX_CERT" 2>/dev/null
    umask 022
fi

envsubst '${NGINX_USER} ${NGINX_RUN_DIR} ${NGINX_LOG_DIR} ${NGINX_HTTP_PORT} ${NGINX_HTTPS_PORT} ${NGINX_CERT} ${NGINX_CERT_KEY} ${ODOO_HTTP} ${ODOO_WEBSOCKET}' \
    < /etc/nginx/distribution/nginx.conf.template > /etc/nginx/nginx.conf
nginx -t -q
exec nginx -g 'daemon off;'
