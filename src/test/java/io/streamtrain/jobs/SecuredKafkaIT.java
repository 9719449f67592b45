package io.streamtrain.jobs;

import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.ExternalKafka;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.KafkaBrokers;
import io.streamtrain.testing.KafkaSecurity;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.testing.SecretFixtures;
import io.streamtrain.testing.Stderr;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A secured, current Kafka as a production cluster has one: a broker of each tested version (3.9 and 4.x, each in a
 * JVM of its own with its own classpath) with one SASL_SSL listener (SCRAM-SHA-512 over TLS, a test authority made
 * with keytool) and ACLs that give streamtrain's principal only what the docs list. The clients stay Spark's 3.4.1.
 * The password reaches the client as the docs say, through an environment variable in the {@code --conf} file, and
 * is the sentinel secret of {@link SecretFixtures}: it must not show in anything a command prints or in any file of
 * the warehouse.
 *
 * <p>Produce, ingest, the stages after it and scoring from the topic work end to end; a wrong password, a truststore
 * that does not hold the broker's authority and each missing ACL end the command before it starts (exit 2) with one
 * line naming the cause.
 */
class SecuredKafkaIT {

    private static final String TOPIC = "secured-it";
    private static final String TRANSACTIONAL_ID = "streamtrain-produce-" + TOPIC;
    private static final String USER = "streamtrain";

    @TempDir
    Path tmp;

    static List<String> versions() {
        return KafkaBrokers.TESTED;
    }

    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("versions")
    void produceIngestTrainAndScoreThroughSaslSslWithOnlyTheirAclsAndRefuseEachMissingPiece(String version)
            throws Exception {
        String password = System.getenv(SecretFixtures.ENV_VAR);
        assertThat(password).as("set by failsafe (pom.xml)").contains(SecretFixtures.SENTINEL);
        KafkaSecurity security = KafkaSecurity.create(tmp.resolve("pki"), USER, password);
        try (ExternalKafka kafka = ExternalKafka.start(tmp.resolve("kafka"), version, security);
             Admin admin = Admin.create(kafka.adminProperties())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(1, TimeUnit.MINUTES);
            admin.createAcls(security.grants(TOPIC, TRANSACTIONAL_ID)).all().get(1, TimeUnit.MINUTES);
            Path conf = conf(kafka, security);
            List<String> printed = new ArrayList<>();

            Stderr produce = run(conf, printed, "produce", "--synthetic", "300");
            assertThat(produce.exit()).as(produce.stderr()).isZero();
            Stderr pipeline = run(conf, printed, "pipeline", "--stages", "ingest,preprocess,train,evaluate",
                    "--run-id", "s-1", "--set", "preprocess.test-fraction=0.2", "--set", "train.epochs=1",
                    "--set", "train.mlp.hidden-layers=[16]", "--set", "train.batch-size=32");
            assertThat(pipeline.exit()).as(pipeline.stderr()).isZero();
            Stderr score = run(conf, printed, "score", "--model", "s-1", "--input", "kafka", "--run-id", "sc-1");
            assertThat(score.exit()).as(score.stderr()).isZero();
            // Ingest and score pass the same records through the same door: each of the 300 lands or is quarantined
            // once by each (the synthetic stream holds a few bad records on purpose).
            long landed = rows(Table.LANDING, "true");
            assertThat(landed).isGreaterThan(250).isEqualTo(rows(Table.SCORES, "true"));
            assertThat(landed + rows(Table.QUARANTINE, "stage = 'ingest'")).isEqualTo(300);
            assertThat(landed + rows(Table.QUARANTINE, "stage = 'score'")).isEqualTo(300);

            refused(run(conf, printed, "ingest", "--set", "kafka.properties.\"sasl.jaas.config\"=\""
                            + KafkaSecurity.jaas(USER, "not-the-password").replace("\"", "\\\"") + "\""),
                    "refused the login", "sasl.jaas.config");
            refused(run(conf, printed, "produce", "--synthetic", "10", "--set", "kafka.properties."
                            + "\"ssl.truststore.location\"=\"" + security.untrustedTruststore() + "\""),
                    "TLS handshake", "ssl.truststore.location");

            revoke(admin, security.allow(ResourceType.TOPIC, TOPIC, PatternType.LITERAL, AclOperation.READ));
            refused(run(conf, printed, "ingest"), "does not let this client READ the topic " + TOPIC);
            refused(run(conf, printed, "score", "--model", "s-1", "--input", "kafka", "--run-id", "sc-2"),
                    "does not let this client READ the topic " + TOPIC);
            revoke(admin, security.allow(ResourceType.TRANSACTIONAL_ID, TRANSACTIONAL_ID, PatternType.LITERAL,
                    AclOperation.WRITE));
            revoke(admin, security.allow(ResourceType.TRANSACTIONAL_ID, TRANSACTIONAL_ID, PatternType.LITERAL,
                    AclOperation.DESCRIBE));
            refused(run(conf, printed, "produce", "--synthetic", "10"), "transactional id " + TRANSACTIONAL_ID);
            revoke(admin, security.allow(ResourceType.TOPIC, TOPIC, PatternType.LITERAL, AclOperation.DESCRIBE));
            revoke(admin, security.allow(ResourceType.TOPIC, TOPIC, PatternType.LITERAL, AclOperation.WRITE));
            refused(run(conf, printed, "produce", "--synthetic", "10"), "describe the topic " + TOPIC);

            assertThat(String.join("\n", printed)).as("what the commands printed").contains("evaluate:")
                    .contains("streamtrain produce:").doesNotContain(SecretFixtures.SENTINEL);
            assertThat(warehouseFiles()).as("the warehouse's files").contains("sasl.jaas.config")
                    .doesNotContain(SecretFixtures.SENTINEL);
        }
    }

    /** Exit 2 and one line of streamtrain's that says {@code what}. */
    private static void refused(Stderr run, String... what) {
        assertThat(run.exit()).as(run.stderr()).isEqualTo(2);
        assertThat(run.lines("streamtrain")).as(run.stderr()).hasSize(1);
        assertThat(run.lines("streamtrain").get(0)).contains(what);
        // The line a user reads, kept in the test's report.
        System.out.println(run.lines("streamtrain").get(0));
    }

    private static void revoke(Admin admin, AclBinding acl) throws Exception {
        admin.deleteAcls(List.of(acl.toFilter())).all().get(1, TimeUnit.MINUTES);
    }

    /** The local profile on this test's warehouse with the secured cluster, its password from the environment. */
    private Path conf(ExternalKafka kafka, KafkaSecurity security) throws Exception {
        Path local = Fixtures.projectRoot().resolve(LocalRuns.LOCAL).toAbsolutePath();
        String jaas = KafkaSecurity.jaas(USER, "PASSWORD").replace("\"", "\\\"");
        String[] around = jaas.split("PASSWORD");
        Path conf = tmp.resolve("secured.conf");
        Files.writeString(conf, String.join("\n",
                "include file(\"" + local + "\")",
                "warehouse = \"" + tmp.resolve("warehouse") + "\"",
                "spark.conf { \"spark.master\" = \"local[2]\" }",
                "kafka {",
                "  bootstrap-servers = \"" + kafka.bootstrapServers() + "\"",
                "  topic = \"" + TOPIC + "\"",
                "  properties {",
                "    \"security.protocol\" = \"SASL_SSL\"",
                "    \"sasl.mechanism\" = \"" + KafkaSecurity.MECHANISM + "\"",
                "    \"sasl.jaas.config\" = \"" + around[0] + "\"${?" + SecretFixtures.ENV_VAR + "}\"" + around[1]
                        + "\"",
                "    \"ssl.truststore.location\" = \"" + security.truststore() + "\"",
                "    \"ssl.truststore.password\" = \"" + security.storePassword() + "\"",
                "    \"ssl.truststore.type\" = \"PKCS12\"",
                "  }",
                "}", ""));
        return conf;
    }

    /** Runs a command in this JVM; what it prints on both streams is added to {@code printed}. */
    private static Stderr run(Path conf, List<String> printed, String subcommand, String... args) {
        List<String> all = new ArrayList<>(List.of(subcommand, "--conf", conf.toString()));
        all.addAll(List.of(args));
        PrintStream out = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Stderr run;
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            run = Stderr.of(() -> StreamTrain.execute(all.toArray(String[]::new)));
        } finally {
            System.setOut(out);
        }
        printed.add(stdout.toString(StandardCharsets.UTF_8));
        printed.add(run.stderr());
        return run;
    }

    /** The warehouse's files, as bytes read as text: the model bundle's config.conf, ledgers, reports, tables. */
    private String warehouseFiles() throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.walk(tmp.resolve("warehouse"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                text.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return text.toString();
    }

    private long rows(Table table, String where) {
        SparkSession spark = LocalRuns.session();
        try {
            return spark.read().parquet(new Warehouse(tmp.resolve("warehouse").toString()).table(table)).where(where).count();
        } finally {
            spark.stop();
        }
    }
}
