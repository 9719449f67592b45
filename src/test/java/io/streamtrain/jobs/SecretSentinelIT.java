package io.streamtrain.jobs;

import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Redaction;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.testing.SecretFixtures;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.beans.PropertyChangeListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static io.streamtrain.testing.SecretFixtures.SENTINEL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One sentinel secret in every secret-bearing key of Kafka, Hadoop (S3A, Azure, GCS) and Spark, through a
 * {@code --conf} file, a comment in it, and an environment substitution. The commands that log, fail and save bundles
 * run on the embedded broker; the sentinel must then be nowhere: not in stdout, stderr or the log (every logger at
 * INFO), not in any file under the warehouse (raw bytes, zip entries of the model, every table's rows as Spark reads
 * them, the bundle's config.conf, the reports).
 */
class SecretSentinelIT {

    @TempDir
    Path tmp;

    @Test
    void theSentinelSecretIsNowhereARunWrites() throws IOException {
        Path warehouse = tmp.resolve("warehouse");
        Path local = Fixtures.projectRoot().resolve(LocalRuns.LOCAL).toAbsolutePath();
        Path conf = SecretFixtures.confFile(tmp.resolve("conf"), "include file(\"" + local + "\")");
        assertThat(System.getenv(SecretFixtures.ENV_VAR)).as("set by failsafe (pom.xml)").contains(SENTINEL);
        assertThat(ConfigLoader.load(conf, List.of()).stringMap("spark.conf"))
                .containsEntry(SecretFixtures.ENV_KEY, System.getenv(SecretFixtures.ENV_VAR))
                .containsAllEntriesOf(SecretFixtures.SPARK);

        Output output = new Output();
        LogCapture log = LogCapture.open();
        try {
            output.capture(() -> {
                assertThat(run(conf, warehouse, "produce", "--synthetic", "300")).isZero();
                assertThat(run(conf, warehouse, "pipeline", "--stages", "ingest,preprocess,train,evaluate",
                        "--run-id", "s-1", "--set", "preprocess.test-fraction=0.2", "--set", "train.epochs=1",
                        "--set", "train.mlp.hidden-layers=[16]", "--set", "train.batch-size=32")).isZero();
                assertThat(run(conf, warehouse, "sql", "SELECT metric, value FROM evaluation")).isZero();

                // Wrong values of secret keys: refused before anything starts, naming key and rule.
                assertThat(run(conf, warehouse, "pipeline",
                        "--set", "kafka.properties.\"ssl.truststore.password\"=[\"" + SENTINEL + "\"]")).isEqualTo(2);
                assertThat(run(conf, warehouse, "train",
                        "--set", "spark.conf.\"spark.hadoop.fs.s3a.secret.key\"=[\"" + SENTINEL + "\"]")).isEqualTo(2);
                String jaas = SecretFixtures.KAFKA.get("sasl.jaas.config").replace("\"", "\\\"");
                assertThat(run(conf, warehouse, "ingest",
                        "--set", "kafka.propertys.\"sasl.jaas.config\"=\"" + jaas + "\"")).isEqualTo(2);

                // A Kafka setting refused because it would break exactly-once: named, its value not shown.
                assertThat(run(conf, warehouse, "ingest",
                        "--set", "kafka.properties.\"group.id\"=\"" + SENTINEL + "\"")).isEqualTo(2);
                // A broker that is not there: found before anything starts, with the client's secrets configured.
                assertThat(run(conf, warehouse, "produce", "--synthetic", "10",
                        "--set", "kafka.bootstrap-servers=127.0.0.1:1")).isEqualTo(2);
                // A failure inside a running Spark session: a file system that needs the S3A credentials, at an
                // endpoint no one answers. The query changed nothing, so it is the user's to fix with exit 2. Without
                // the two limits the AWS SDK and S3A retry the unknown host for many minutes.
                assertThat(run(conf, warehouse, "sql", "SELECT count(*) FROM parquet.`s3a://b1/table`",
                        "--set", "spark.conf.\"spark.hadoop.fs.s3a.attempts.maximum\"=\"0\"",
                        "--set", "spark.conf.\"spark.hadoop.fs.s3a.retry.limit\"=\"0\"")).isEqualTo(2);
            });
        } finally {
            log.stop();
        }

        // Positive controls: what is searched below is really there.
        assertThat(output.stdout()).contains("produce:").contains("evaluate:").contains("accuracy");
        assertThat(output.stderr()).contains("'kafka.properties.\"ssl.truststore.password\"'")
                .contains("must be a plain value")
                .contains("'spark.conf.\"spark.hadoop.fs.s3a.secret.key\"'")
                .contains("is not a known setting")
                .contains("'kafka.properties.\"group.id\"'")
                .contains("127.0.0.1:1")
                .contains("s3a");
        assertThat(log.text()).contains("produce: 300 records sent").contains("train: ")
                .contains("ProducerConfig values").contains("sasl.jaas.config = [hidden]");
        String bundleConfig = Files.readString(warehouse.resolve("models/s-1/config.conf"));
        assertThat(bundleConfig).contains("sasl.jaas.config").contains("spark.hadoop.fs.s3a.secret.key")
                .contains(SecretFixtures.ENV_KEY).contains(Redaction.MASK);

        Search search = new Search();
        search.file(conf);
        assertThat(search.hits).as("the search finds the sentinel where it is").hasSize(1);
        search.hits.clear();

        search.text("stdout", output.stdout());
        search.text("stderr", output.stderr());
        search.text("log", log.text());
        try (Stream<Path> files = Files.walk(warehouse)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                search.file(f);
            }
        }
        int tables = search.tables(warehouse);

        assertThat(search.files).isGreaterThan(30);
        assertThat(search.zipEntries).as("model.zip's entries").isGreaterThanOrEqualTo(3);
        assertThat(tables).as("tables read").isGreaterThanOrEqualTo(6);
        assertThat(search.rows).isGreaterThan(300);
        assertThat(search.hits).as("places that hold the sentinel").isEmpty();
    }

    private static int run(Path conf, Path warehouse, String subcommand, String... args) {
        List<String> all = new ArrayList<>(List.of(subcommand, "--conf", conf.toString(),
                "--set", "warehouse=" + warehouse,
                "--set", "kafka.topic=secret-sentinel-it",
                "--set", "spark.conf.\"spark.master\"=\"local[2]\""));
        all.addAll(List.of(args));
        return StreamTrain.execute(all.toArray(String[]::new));
    }

    /** Where the sentinel was found: files, zip entries, table rows and captured text. */
    private static final class Search {
        final List<String> hits = new ArrayList<>();
        int files;
        int zipEntries;
        long rows;

        void text(String where, String text) {
            if (text.contains(SENTINEL)) {
                hits.add(where + ": ..." + around(text, text.indexOf(SENTINEL)) + "...");
            }
        }

        void file(Path f) throws IOException {
            files++;
            bytes(f.toString(), Files.readAllBytes(f));
        }

        private void bytes(String where, byte[] data) throws IOException {
            text(where, new String(data, StandardCharsets.ISO_8859_1));
            if (data.length > 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4) {
                try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(data))) {
                    for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                        zipEntries++;
                        bytes(where + "!" + e.getName(), zip.readAllBytes());
                    }
                }
            }
        }

        /** Every table as Spark reads it, Parquet's compression undone: returns how many tables were read. */
        int tables(Path warehouse) {
            Warehouse w = new Warehouse(warehouse.toString());
            int read = 0;
            SparkSession spark = LocalRuns.session();
            try {
                HadoopFiles hadoop = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
                for (Table table : Table.values()) {
                    if (hadoop.containsFile(w.table(table), ".parquet")) {
                        read++;
                        for (String row : spark.read().parquet(w.table(table)).toJSON().collectAsList()) {
                            rows++;
                            text(table.viewName(), row);
                        }
                    }
                }
            } finally {
                spark.stop();
            }
            return read;
        }

        private static String around(String text, int at) {
            return text.substring(Math.max(0, at - 80), Math.min(text.length(), at + 40)).replaceAll("\\s+", " ");
        }
    }

    /** System.out and System.err of the commands, still shown on the real streams as they are written. */
    private static final class Output {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();

        void capture(Runnable body) {
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            System.setOut(new PrintStream(new Tee(out, oldOut), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new Tee(err, oldErr), true, StandardCharsets.UTF_8));
            try {
                body.run();
            } finally {
                System.out.flush();
                System.err.flush();
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }

        String stdout() {
            return out.toString(StandardCharsets.UTF_8);
        }

        String stderr() {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] data, int off, int len) throws IOException {
            a.write(data, off, len);
            b.write(data, off, len);
        }
    }

    /**
     * Every log event at INFO and above, of every logger, with its stack trace. Attached to the root logger (and any
     * logger that does not pass events up), and again whenever log4j is reconfigured, as Spark may do on first use.
     */
    private static final class LogCapture extends AbstractAppender {
        private final StringBuffer text = new StringBuffer();
        private final Map<String, Level> levels = new HashMap<>();
        private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
        private final PropertyChangeListener onReconfigure = e -> {
            if (LoggerContext.PROPERTY_CONFIG.equals(e.getPropertyName())) {
                attach();
            }
        };

        private LogCapture() {
            super("sentinel-capture", null, PatternLayout.newBuilder().withPattern("%p %c: %m%n%throwable").build(),
                    true, Property.EMPTY_ARRAY);
        }

        static LogCapture open() {
            LogCapture capture = new LogCapture();
            capture.start();
            capture.attach();
            capture.context.addPropertyChangeListener(capture.onReconfigure);
            return capture;
        }

        private synchronized void attach() {
            Configuration config = context.getConfiguration();
            config.addAppender(this);
            for (LoggerConfig logger : all(config)) {
                levels.putIfAbsent(logger.getName(), logger.getLevel());
                if (logger.getLevel().isMoreSpecificThan(Level.WARN)) {
                    logger.setLevel(Level.INFO);
                }
                if (!logger.isAdditive() || logger == config.getRootLogger()) {
                    logger.removeAppender(getName());
                    logger.addAppender(this, null, null);
                }
            }
            context.updateLoggers();
        }

        @Override
        public void stop() {
            context.removePropertyChangeListener(onReconfigure);
            Configuration config = context.getConfiguration();
            for (LoggerConfig logger : all(config)) {
                logger.removeAppender(getName());
                Level before = levels.get(logger.getName());
                if (before != null) {
                    logger.setLevel(before);
                }
            }
            context.updateLoggers();
            super.stop();
        }

        private static List<LoggerConfig> all(Configuration config) {
            List<LoggerConfig> out = new ArrayList<>(config.getLoggers().values());
            if (!out.contains(config.getRootLogger())) {
                out.add(config.getRootLogger());
            }
            return out;
        }

        @Override
        public void append(LogEvent event) {
            text.append(getLayout().toSerializable(event));
        }

        String text() {
            return text.toString();
        }
    }
}
