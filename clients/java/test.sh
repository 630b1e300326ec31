#!/usr/bin/env bash
# The Java client's tests: builds the library and its tests with the JDK alone
# (javac; Maven Central is not reachable here), then runs them with JUnit 5
# from Debian's junit5 package: the golden vectors first, then the
# conformance scenario against the real couponsd binary (COUPONSD_BIN).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export COUPONSD_BIN="${COUPONSD_BIN:-$here/../../target/debug/couponsd}"
junit="${JUNIT_STANDALONE_JAR:-/usr/share/java/junit-platform-console-standalone.jar}"

for tool in javac java; do
  command -v "$tool" >/dev/null || { echo "clients/java: $tool (JDK 17+) is not installed" >&2; exit 1; }
done
[ -f "$junit" ] || { echo "clients/java: $junit missing (apt-get install junit5)" >&2; exit 1; }
[ -x "$COUPONSD_BIN" ] || { echo "clients/java: COUPONSD_BIN=$COUPONSD_BIN is not an executable" >&2; exit 1; }

rm -rf build
mkdir -p build/classes build/test-classes
javac --release 17 -Xlint:all,-serial -Werror -d build/classes $(find src/main/java -name '*.java')
javac --release 17 -d build/test-classes -cp "build/classes:$junit" $(find src/test/java -name '*.java')
jar --create --file build/couponsd-client.jar -C build/classes .

# Vectors first: a codec that does not match them makes every later failure noise.
run() {
  java -Dcouponsd.vectors="$here/../vectors/vectors.json" -jar "$junit" \
    --class-path "build/classes:build/test-classes" --disable-banner --details=tree \
    --exclude-engine=junit-vintage --fail-if-no-tests "$@"
}
run --select-class dev.couponsd.client.VectorsTest
run --scan-class-path build/test-classes --exclude-classname '.*VectorsTest'
