package io.streamtrain.core.kafka;

import io.streamtrain.core.UserException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Whether this client may do what a stage will do, asked of the cluster before the stage starts: a login the broker
 * refuses, a certificate the client does not trust, or an ACL that is missing ends the command at planning with one
 * line naming the cause and the setting or grant that mends it, instead of a failure inside Spark's tasks.
 */
public final class KafkaAccess {

    /** How long the checks wait for the cluster. */
    private static final long SECONDS = 10;

    private KafkaAccess() {
    }

    /**
     * The user's error behind a failed request to {@code servers}, if the cause is a login or TLS handshake the
     * broker or the client refused; null for any other cause.
     */
    public static UserException refusal(String servers, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SaslAuthenticationException) {
                return new UserException("Kafka at " + servers + " refused the login of " + KafkaSettings.PROPERTIES
                        + ".\"sasl.jaas.config\" (" + t.getMessage() + "): check its user name and password, and"
                        + " that the user exists for " + KafkaSettings.PROPERTIES + ".\"sasl.mechanism\"", t);
            }
            if (t instanceof SslAuthenticationException) {
                return new UserException("The TLS handshake with Kafka at " + servers + " failed (" + deepest(t)
                        + "): if the broker's certificate is not trusted, set " + KafkaSettings.PROPERTIES
                        + ".\"ssl.truststore.location\" to a truststore holding the authority that signed it", t);
            }
            if (t instanceof AuthenticationException) {
                return new UserException("Kafka at " + servers + " refused this client (" + t.getClass()
                        .getSimpleName() + ": " + t.getMessage() + "): check the security settings in "
                        + KafkaSettings.PROPERTIES, t);
            }
        }
        return null;
    }

    /**
     * Fails unless the client may do {@code needed} on {@code topic} (a topic that does not exist yet is left to the
     * stage) and, when {@code transactionalId} is not null, use that transactional id. A cluster without an
     * authorizer grants everything.
     */
    public static void require(Map<String, Object> clientProperties, String servers, String topic,
                               Set<AclOperation> needed, String transactionalId) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(SECONDS));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(SECONDS));
        try (Admin admin = Admin.create(props)) {
            requireTopic(admin, servers, topic, needed);
            if (transactionalId != null) {
                requireTransactionalId(admin, servers, transactionalId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("Interrupted while asking Kafka at " + servers + " what this client may do");
        }
    }

    private static void requireTopic(Admin admin, String servers, String topic, Set<AclOperation> needed)
            throws InterruptedException {
        TopicDescription topicDescription;
        try {
            topicDescription = admin.describeTopics(List.of(topic),
                    new DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .allTopicNames().get(SECONDS, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return;
            }
            throw refused(servers, e.getCause(), "the topic " + topic, needed);
        } catch (TimeoutException e) {
            throw new UserException("Kafka at " + servers + " did not describe topic " + topic + " within " + SECONDS
                    + " s: check the broker and the network");
        }
        Set<AclOperation> granted = topicDescription.authorizedOperations();
        if (granted == null || granted.contains(AclOperation.ALL)) {
            return;
        }
        Set<AclOperation> missing = EnumSet.copyOf(needed);
        missing.removeAll(granted);
        if (!missing.isEmpty()) {
            throw new UserException("Kafka at " + servers + " does not let this client " + names(missing)
                    + " the topic " + topic + " (it may " + names(granted) + "): grant " + names(needed)
                    + " on the topic to the user of " + KafkaSettings.PROPERTIES + ".\"sasl.jaas.config\"");
        }
    }

    private static void requireTransactionalId(Admin admin, String servers, String id) throws InterruptedException {
        try {
            admin.describeTransactions(List.of(id)).all().get(SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TransactionalIdNotFoundException || cause instanceof UnsupportedVersionException) {
                return;
            }
            throw refused(servers, cause, "the transactional id " + id, EnumSet.of(AclOperation.WRITE,
                    AclOperation.DESCRIBE));
        } catch (TimeoutException e) {
            throw new UserException("Kafka at " + servers + " did not describe transactional id " + id + " within "
                    + SECONDS + " s: check the broker and the network");
        }
    }

    private static UserException refused(String servers, Throwable cause, String what, Set<AclOperation> needed) {
        UserException login = refusal(servers, cause);
        if (login != null) {
            return login;
        }
        if (cause instanceof AuthorizationException) {
            return new UserException("Kafka at " + servers + " does not let this client describe " + what + " ("
                    + cause.getClass().getSimpleName() + "): grant " + names(needed) + " on it to the user of "
                    + KafkaSettings.PROPERTIES + ".\"sasl.jaas.config\"", cause);
        }
        return new UserException("Kafka at " + servers + " could not describe " + what + " (" + cause.getClass()
                .getSimpleName() + ": " + cause.getMessage() + ")", cause);
    }

    private static String names(Set<AclOperation> operations) {
        return operations.stream().map(AclOperation::name).sorted().collect(Collectors.joining(" and "));
    }

    private static String deepest(Throwable t) {
        Throwable last = t;
        while (last.getCause() != null) {
            last = last.getCause();
        }
        return last.getMessage();
    }
}
