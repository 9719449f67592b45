package io.streamtrain.testing;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A broker's SASL_SSL setup as a real deployment has one: a test certificate authority, the broker's key and
 * certificate signed by it (for 127.0.0.1 and localhost), a truststore of clients that trust it and one of another
 * authority that nobody signed the broker with; SCRAM-SHA-512 users (an administrator, the super user, and the
 * client's principal) created when the log folder is formatted; ACLs enforced by KRaft's {@code StandardAuthorizer}.
 * The key material is made with the JDK's {@code keytool}, as an operator makes it.
 */
public final class KafkaSecurity {

    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String ADMIN = "admin";

    private static final String STORE_PASSWORD = "store-pw-5b1e";
    private static final String ADMIN_PASSWORD = "admin-pw-81c2";

    private final Path keystore;
    private final Path truststore;
    private final Path untrusted;
    private final String user;
    private final String password;

    private KafkaSecurity(Path dir, String user, String password) {
        this.keystore = dir.resolve("broker.p12");
        this.truststore = dir.resolve("truststore.p12");
        this.untrusted = dir.resolve("other-ca-truststore.p12");
        this.user = user;
        this.password = password;
    }

    /** Makes the key material under {@code dir}; {@code user} with {@code password} is the client's principal. */
    public static KafkaSecurity create(Path dir, String user, String password)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        KafkaSecurity s = new KafkaSecurity(dir, user, password);
        Path ca = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=streamtrain-test-ca", "-ext", "bc:c",
                "-keystore", ca.toString());
        keytool("-exportcert", "-alias", "ca", "-rfc", "-file", caPem.toString(), "-keystore", ca.toString());
        keytool("-genkeypair", "-alias", "broker", "-dname", "CN=127.0.0.1", "-keystore", s.keystore.toString());
        Path csr = dir.resolve("broker.csr");
        Path signed = dir.resolve("broker.pem");
        keytool("-certreq", "-alias", "broker", "-file", csr.toString(), "-keystore", s.keystore.toString());
        keytool("-gencert", "-alias", "ca", "-infile", csr.toString(), "-outfile", signed.toString(), "-rfc",
                "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-keystore", ca.toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(),
                "-keystore", s.keystore.toString());
        keytool("-importcert", "-alias", "broker", "-file", signed.toString(), "-keystore", s.keystore.toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(),
                "-keystore", s.truststore.toString());
        Path other = dir.resolve("other-ca.p12");
        Path otherPem = dir.resolve("other-ca.pem");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=another-ca", "-ext", "bc:c", "-keystore", other.toString());
        keytool("-exportcert", "-alias", "ca", "-rfc", "-file", otherPem.toString(), "-keystore", other.toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", otherPem.toString(),
                "-keystore", s.untrusted.toString());
        return s;
    }

    /**
     * What streamtrain's principal needs and nothing more, as the docs list it: read, write and describe on its topic
     * (ingest and score read it, produce writes it), read on Spark's consumer groups (prefix {@code spark-kafka-}),
     * write and describe on produce's transactional id, idempotent write on the cluster.
     */
    public List<AclBinding> grants(String topic, String transactionalId) {
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation op : List.of(AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE)) {
            acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, op));
        }
        acls.add(allow(ResourceType.GROUP, "spark-kafka-", PatternType.PREFIXED, AclOperation.READ));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, transactionalId, PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, transactionalId, PatternType.LITERAL, AclOperation.DESCRIBE));
        acls.add(allow(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE));
        return acls;
    }

    /** The ACL that lets the client's principal do {@code op} on a resource. */
    public AclBinding allow(ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
    }

    /** The broker's listener, SASL, TLS and authorizer settings. */
    List<String> serverProperties() {
        return List.of(
                "sasl.enabled.mechanisms=" + MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + MECHANISM,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + jaas(ADMIN, ADMIN_PASSWORD),
                "ssl.keystore.location=" + keystore,
                "ssl.keystore.password=" + STORE_PASSWORD,
                "ssl.keystore.type=PKCS12",
                // The broker's own client (to itself, the inter-broker listener) trusts the test authority.
                "ssl.truststore.location=" + truststore,
                "ssl.truststore.password=" + STORE_PASSWORD,
                "ssl.truststore.type=PKCS12",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // ANONYMOUS: the broker's own requests to its controller, on the PLAINTEXT controller listener.
                "super.users=User:" + ADMIN + ";User:ANONYMOUS");
    }

    /** The SCRAM users {@code kafka-storage format} creates. */
    List<String> formatArguments() {
        return List.of("--add-scram", MECHANISM + "=[name=" + ADMIN + ",password=" + ADMIN_PASSWORD + "]",
                "--add-scram", MECHANISM + "=[name=" + user + ",password=" + password + "]");
    }

    /** The administrator's client settings. */
    public Map<String, Object> adminProperties() {
        return Map.copyOf(clientProperties(ADMIN, ADMIN_PASSWORD, truststore));
    }

    /** Client settings of {@code name} with {@code secret}, trusting {@code trusted}. */
    public Map<String, String> clientProperties(String name, String secret, Path trusted) {
        return Map.of("security.protocol", "SASL_SSL",
                "sasl.mechanism", MECHANISM,
                "sasl.jaas.config", jaas(name, secret),
                "ssl.truststore.location", trusted.toString(),
                "ssl.truststore.password", STORE_PASSWORD,
                "ssl.truststore.type", "PKCS12");
    }

    /** The JAAS line of {@code name} with {@code secret}. */
    public static String jaas(String name, String secret) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + name
                + "\" password=\"" + secret + "\";";
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** Trusts the authority that signed the broker. */
    public Path truststore() {
        return truststore;
    }

    /** Trusts only an authority that did not sign the broker. */
    public Path untrustedTruststore() {
        return untrusted;
    }

    public String storePassword() {
        return STORE_PASSWORD;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString()));
        command.addAll(List.of(args));
        if (List.of(args).contains("-genkeypair")) {
            command.addAll(List.of("-keyalg", "RSA", "-keysize", "2048", "-validity", "2"));
        }
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", STORE_PASSWORD));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
