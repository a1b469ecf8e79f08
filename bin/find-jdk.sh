# Sourced by ./mvnw, ./throng and the scripts under bin/: selects a JDK 25 or newer and exports JAVA_HOME.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/temurin-25-jdk-amd64, then any /usr/lib/jvm/*
# whose java reports 25+. POSIX sh, so that the Maven wrapper (a /bin/sh script) can source it.

throng_jdk_major() {
  # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

throng_find_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    v=$(throng_jdk_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then return 0; fi
  fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/*; do
    v=$(throng_jdk_major "$candidate")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then JAVA_HOME=$candidate; export JAVA_HOME; return 0; fi
  done
  echo "throng needs a JDK 25 or newer and found none (JAVA_HOME=${JAVA_HOME-unset}, nothing in /usr/lib/jvm)." >&2
  echo "Install one, for example Eclipse Temurin 25 (apt package temurin-25-jdk from packages.adoptium.net)," >&2
  echo "or point JAVA_HOME at it." >&2
  return 1
}

throng_find_jdk || exit 1
