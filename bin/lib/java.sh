# Finding a JDK 25 or newer, shared by bin/bivdiff and bin/test (sourced, not run).
# find_java prints the path of a java >= 25: JAVA_HOME's, the one on the PATH, then the JDKs under
# /usr/lib/jvm, /opt/java and macOS's JavaVirtualMachines. require_java25 exports JAVA_HOME to it, or says
# plainly what to install and exits. use_huge_pages sets glibc's malloc to ask for transparent huge pages.

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

use_huge_pages() { # asks glibc's malloc for transparent huge pages, unless GLIBC_TUNABLES already says
  # ONNX Runtime allocates its weights and activations with malloc. Where the kernel gives huge pages only to
  # memory that asks for them (THP "madvise", the common default), every 4 KiB page of a 3 GB UNet faults in
  # on its own: measured on a 2-core VM, a UNet3D session took 41 s to create with 4 KiB pages and 17 s with
  # this, and the UNet2D ran 4-7% faster. The numbers computed are the same.
  case ":${GLIBC_TUNABLES:-}:" in
    *:glibc.malloc.hugetlb=*) ;;
    *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;;
  esac
}
