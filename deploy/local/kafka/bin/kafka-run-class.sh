#!/usr/bin/env bash
# Runs a Kafka class on the broker's classpath, as the apache/kafka image's script of that name.
exec java -Xmx256m -Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.properties -cp "/opt/kafka/libs/*" "$@"
