# Sourced by the scripts in jobs/bin: the JVM flags Spark needs on Java 17, and a Spark home built from the jars
# Maven resolved (target/provided.classpath), for machines without a Spark distribution.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
jar="$root/target/streamtrain.jar"
provided="$root/target/provided.classpath"

# Java 17 closes these packages; Spark, Kryo and ND4J reach into them. The pom's <java17.opens> is the same list.
opens=(
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
)

# The cluster's client configuration, as Spark's own launcher puts it on the classpath: HADOOP_CONF_DIR and
# YARN_CONF_DIR (core-site.xml, hdfs-site.xml, yarn-site.xml), for --master yarn and hdfs:// paths.
hadoop_conf=""
for dir in "${HADOOP_CONF_DIR:-}" "${YARN_CONF_DIR:-}"; do
  [[ -n "$dir" ]] && hadoop_conf="$hadoop_conf$dir:"
done

require_jar() {
  if [[ ! -f "$jar" || ! -f "$provided" ]]; then
    echo "streamtrain: $jar is not built; run: mvn -B -DskipTests package" >&2
    exit 2
  fi
}

# A Spark home laid out as a distribution's: jars/ holds links to the jars of Spark and Hadoop that
# jobs/spark-home/pom.xml resolves. Spark's Workers build their executors' classpath from $SPARK_HOME/jars, so a
# standalone cluster needs one. An existing SPARK_HOME with a jars/ folder (a real distribution) is used as it is.
spark_home() {
  if [[ -n "${SPARK_HOME:-}" && -d "$SPARK_HOME/jars" ]]; then
    return
  fi
  export SPARK_HOME="$root/target/spark-home"
  local classpath="$root/target/spark-home.classpath" pom="$root/jobs/spark-home/pom.xml"
  if [[ ! -d "$SPARK_HOME/jars" || "$pom" -nt "$SPARK_HOME/jars" || "$root/pom.xml" -nt "$SPARK_HOME/jars" ]]; then
    rm -rf "$SPARK_HOME" "$classpath"
    local versions=() name
    for name in spark.version scala.binary jackson.version slf4j.version; do
      versions+=("-D$name=$(sed -n "s:.*<$name>\(.*\)</$name>.*:\1:p" "$root/pom.xml" | head -1)")
    done
    # Offline first: the project's own build has fetched nearly all of it.
    mvn -B -q -o -f "$pom" "${versions[@]}" dependency:build-classpath -Dmdep.outputFile="$classpath" >/dev/null 2>&1 \
      || mvn -B -q -f "$pom" "${versions[@]}" dependency:build-classpath -Dmdep.outputFile="$classpath" >&2
    mkdir -p "$SPARK_HOME/jars" "$SPARK_HOME/conf"
    local entry
    while IFS= read -r entry; do
      [[ -n "$entry" ]] && ln -s "$entry" "$SPARK_HOME/jars/"
    done < <(tr ':' '\n' < "$classpath")
    cp "$root/conf/log4j2.properties" "$SPARK_HOME/conf/log4j2.properties"
  fi
  # A distribution's scripts set this; without them Spark's launcher cannot tell which Scala build it runs.
  export SPARK_SCALA_VERSION=2.12
}
