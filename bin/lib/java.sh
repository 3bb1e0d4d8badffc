# Finding a JDK 25 or newer, shared by bin/bivdiff and bin/test (sourced, not run).
# find_java prints the path of a java >= 25: JAVA_HOME's, the one on the PATH, then the JDKs under
# /usr/lib/jvm, /opt/java and macOS's JavaVirtualMachines. require_java25 exports JAVA_HOME to it, or says
# plainly what to install and exits.

java_major() { # prints the feature version of the java at $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_java() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for d in /usr/lib/jvm/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$d/bin/java" ] && candidates+=("$d/bin/java")
  done
  local c v
  for c in "${candidates[@]}"; do
    v="$(java_major "$c")"
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

require_java25() { # $1: the command's name, for messages
  local java
  if ! java="$(find_java)"; then
    echo "$1: no Java 25 or newer found (looked at JAVA_HOME, java on the PATH, /usr/lib/jvm, /opt/java)." >&2
    echo "$1: install a JDK 25, for example Temurin 25 (https://adoptium.net, or your system's package), and" >&2
    echo "$1: set JAVA_HOME to it; the default java may stay older." >&2
    exit 1
  fi
  JAVA_HOME="$(cd "$(dirname "$java")/.." && pwd)"
  export JAVA_HOME
}
