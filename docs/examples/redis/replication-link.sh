#!/bin/sh
# Cuts and restores the replication link of the local Redis example
# (docs/examples/redis/redis.toml). It is not a network partition: clients
# still reach every node; only the stream from primary to replica stops, so
# the replica keeps answering reads from data that no longer advances, which
# is what a replica cut off from its primary by a real partition does.
#
#   replication-link.sh cut  NODE_PORT PEER_PORT PRIMARY_PORT
#   replication-link.sh heal NODE_PORT PRIMARY_PORT
#
# Ports are the nodes' webdis ports (faultline's {port}); each node's
# redis-server listens 1000 below its webdis port.
set -eu

redis() {
    port=$(( $1 - 1000 ))
    shift
    out=$(redis-cli -h 127.0.0.1 -p "$port" "$@")
    case "$out" in
        OK*) ;;
        *) echo "redis-cli -p $port $*: $out" >&2; exit 1 ;;
    esac
}

case "${1:-}" in
cut)
    node=$2 peer=$3 primary=$4
    # Any cut between a replica and the primary stops that replica's stream;
    # replicas do not talk to each other.
    if [ "$peer" = "$primary" ]; then
        replica=$node
    elif [ "$node" = "$primary" ]; then
        replica=$peer
    else
        exit 0
    fi
    # Port 1: nothing listens, so the replica keeps retrying and stays a
    # read-only replica serving what it has.
    redis "$replica" REPLICAOF 127.0.0.1 1
    ;;
heal)
    node=$2 primary=$3
    [ "$node" = "$primary" ] && exit 0
    redis "$node" REPLICAOF 127.0.0.1 $(( primary - 1000 ))
    ;;
*)
    echo "usage: $0 cut NODE_PORT PEER_PORT PRIMARY_PORT | heal NODE_PORT PRIMARY_PORT" >&2
    exit 2
    ;;
esac
