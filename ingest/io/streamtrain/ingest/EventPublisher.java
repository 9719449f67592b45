package io.streamtrain.ingest;

import io.streamtrain.core.Watchdog;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.UserException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Publishes events to the topic in Kafka transactions (acks=all, idempotent), printing progress and rate.
 *
 * <p>Why transactions: a produce that fails midway (a broker gone, a record the broker refuses) must leave a topic that
 * a re-run can complete without duplicates. Records go out in transactions of {@value #TRANSACTION_RECORDS} records or
 * {@value #TRANSACTION_MILLIS} ms, whichever comes first, and ingest reads with {@code isolation.level=read_committed};
 * on a failure the open transaction is aborted, so exactly the committed prefix of the input is ever read. The error
 * says how many records that is and to continue with {@code --skip} that many: every input yields its records in
 * a fixed order, so the continuation sends exactly the rest.
 */
public final class EventPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
    /** Records per transaction: each commit costs a round trip to the transaction coordinator, so not too few. */
    static final int TRANSACTION_RECORDS = 10_000;
    /** A slow source still commits now and then, so ingest is not held at the last stable offset for long. */
    static final long TRANSACTION_MILLIS = 5_000;
    /** The producer's own request limit, raised so the broker (message.max.bytes) decides what is too large. */
    private static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    private final KafkaConnection kafka;
    private final int transactionRecords;

    public EventPublisher(KafkaConnection kafka) {
        this(kafka, TRANSACTION_RECORDS);
    }

    /** With smaller transactions, so a test can fail one midway with a small input. */
    EventPublisher(KafkaConnection kafka, int transactionRecords) {
        this.kafka = kafka;
        this.transactionRecords = transactionRecords;
    }

    /**
     * Publishes what {@code settings} names but its first {@code settings.skip()} records, once per run id: what
     * {@code ledger} says run {@code runId} committed already is not sent again (see {@link ProduceLedger}). Returns
     * the records the run id has published in all, so a re-run reports what its first attempt did.
     */
    public long publish(ProduceSettings settings, RecordSchema schema, ProduceLedger ledger, String runId) {
        String source = settings.describe();
        String topic = kafka.settings().topic();
        ProduceLedger.Entry before = ledger.requireSameInput(runId, source, topic).orElse(null);
        if (before != null && before.complete()) {
            LOG.info("produce: run {} already published all {} records of {} to {}; nothing to send", runId,
                    before.committed(), source, topic);
            return before.committed();
        }
        long timestamp = before == null ? System.currentTimeMillis() : before.timestamp();
        long done = before == null ? 0 : before.committed();
        if (done > 0) {
            LOG.info("produce: run {} committed {} records before it stopped; sending the rest", runId, done);
        }
        ledger.save(runId, new ProduceLedger.Entry(source, topic, timestamp, done, false));
        long sent = publish(settings, schema, timestamp, settings.skip() + done, committed -> "--run-id " + runId,
                committed -> ledger.save(runId, new ProduceLedger.Entry(source, topic, timestamp, done + committed,
                        false)));
        ledger.save(runId, new ProduceLedger.Entry(source, topic, timestamp, done + sent, true));
        return done + sent;
    }

    /** Publishes what {@code settings} names but its first {@code settings.skip()} records; returns the count sent. */
    public long publish(ProduceSettings settings, RecordSchema schema, long timestamp) {
        return publish(settings, schema, timestamp, settings.skip(),
                committed -> "--skip " + (settings.skip() + committed), committed -> { });
    }

    private long publish(ProduceSettings settings, RecordSchema schema, long timestamp, long skip,
                         LongFunction<String> continuation, LongConsumer onCommit) {
        Path input = Path.of(settings.input());
        return switch (settings.format()) {
            case CSV -> {
                try (CsvEvents events = CsvEvents.open(input, timestamp)) {
                    long sent = publish(events, skip, input.toString(), continuation, onCommit);
                    LOG.info("produce: {} records sent, {} blank rows skipped", sent, events.blankRows());
                    yield sent;
                }
            }
            case SYNTHETIC -> publish(new SyntheticEvents(schema, settings.synthetic(), timestamp), skip, "synthetic",
                    continuation, onCommit);
            case IDX -> publish(FashionMnistIdx.events(input, schema, timestamp), skip, input.toString(), continuation, onCommit);
            case JSONL -> {
                try (JsonLines lines = JsonLines.open(input, Integer.MAX_VALUE)) {
                    long sent = publish(lines, skip, input.toString(), continuation, onCommit);
                    LOG.info("produce: {} records sent, {} empty lines skipped", sent, lines.emptyLines());
                    yield sent;
                }
            }
        };
    }

    /** Publishes every event; returns the number sent. */
    public long publish(Iterator<Event> events) {
        return publish(events, 0, "the input", committed -> "--skip " + committed, committed -> { });
    }

    /**
     * Publishes the events after the first {@code skip}; returns how many were sent. A failure is a
     * {@link UserException} saying how many records were committed and the {@code --skip} that continues.
     *
     * @param continuation the option that continues after a failure, given the records committed
     * @param onCommit     told the records committed so far after every transaction
     */
    long publish(Iterator<Event> events, long skip, String source, LongFunction<String> continuation,
                 LongConsumer onCommit) {
        skip(events, skip, source);
        kafka.ensureTopic();
        String topic = kafka.settings().topic();
        Sending sending = new Sending();
        boolean settled = false;
        long start = System.nanoTime();
        KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(producerProperties(topic), new StringSerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
            // The rate is the sending's: a fresh cluster spends a second or more creating its transaction log here.
            LOG.info("produce: transactional producer ready in {} ms", (System.nanoTime() - start) / 1_000_000);
            // A long produce to a real cluster starts neither Spark nor a broker: this is its sign of life.
            Watchdog.progress("producer ready");
            sending.start = System.nanoTime();
            send(producer, events, topic, skip, sending, onCommit);
            settled = true;
        } catch (KafkaException | UserException | UncheckedIOException e) {
            sending.failure.compareAndSet(null, e);
        } finally {
            // Whatever ended the loop early (a bug included), an open transaction would hold read_committed readers
            // at its first offset until the broker times it out.
            if (sending.failure.get() != null || !settled) {
                abort(producer);
            }
            producer.close(Duration.ofSeconds(10));
        }
        if (sending.failure.get() != null) {
            throw failed(sending, topic, source, continuation);
        }
        LOG.info("produce: {} records sent to {} ({} records/s)", sending.committed, topic,
                rate(sending.committed, sending.start));
        return sending.committed;
    }

    /** Reads past the first {@code skip} events, which an earlier produce committed already. */
    private static void skip(Iterator<Event> events, long skip, String source) {
        long skipped = 0;
        while (skipped < skip && events.hasNext()) {
            events.next();
            skipped++;
        }
        if (skipped < skip) {
            throw new UserException("produce: --skip " + skip + " is more than the " + skipped + " records of "
                    + source + "; nothing was sent: give the --skip that the failed produce printed");
        }
    }

    /** The producer's transactional id: the user's, else one per topic. */
    static String transactionalId(KafkaSettings kafka) {
        return kafka.properties().getOrDefault(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "streamtrain-produce-" + kafka.topic());
    }

    /** Kafka's producer settings with the transactions, acknowledgements and batching a produce relies on. */
    private Map<String, Object> producerProperties(String topic) {
        Map<String, Object> props = kafka.clientProperties();
        // One id per topic: a new producer fences a crashed one and aborts its open transaction at once.
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(kafka.settings()));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Throughput: ~2 KB JSON records batch and compress well.
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_BYTES);
        return props;
    }

    /**
     * Where a produce stands: records committed, records in the open transaction, when the sending began, and the
     * first failure, which a send callback may report from the producer's I/O thread.
     */
    private static final class Sending {
        final AtomicReference<Exception> failure = new AtomicReference<>();
        long committed;
        long open;
        long start;
    }

    /**
     * Sends the events in transactions of {@code transactionRecords} records or {@value #TRANSACTION_MILLIS} ms, until
     * the input ends or a send fails.
     */
    private void send(KafkaProducer<String, byte[]> producer, Iterator<Event> events, String topic, long skip,
                      Sending sending, LongConsumer onCommit) {
        AtomicReference<Exception> failure = sending.failure;
        producer.beginTransaction();
        long opened = System.nanoTime();
        while (events.hasNext() && failure.get() == null) {
            Event e = events.next();
            producer.send(new ProducerRecord<>(topic, e.key(), e.value()), (meta, ex) -> {
                if (ex != null) {
                    failure.compareAndSet(null, ex);
                }
            });
            sending.open++;
            if (sending.open >= transactionRecords || System.nanoTime() - opened > TRANSACTION_MILLIS * 1_000_000) {
                producer.commitTransaction();
                sending.committed += sending.open;
                sending.open = 0;
                onCommit.accept(sending.committed);
                LOG.info("produce: {} records committed to {} ({} records/s){}", sending.committed, topic,
                        rate(sending.committed, sending.start), left(events, skip, sending.committed, sending.start));
                producer.beginTransaction();
                opened = System.nanoTime();
            }
        }
        if (failure.get() == null) {
            producer.commitTransaction();
            sending.committed += sending.open;
            sending.open = 0;
        }
    }

    /** The error that says what failed, how many records are committed for good, and the option that continues. */
    private static UserException failed(Sending sending, String topic, String source,
                                        LongFunction<String> continuation) {
        Exception cause = sending.failure.get();
        String what = cause instanceof KafkaException ? "sending to topic " + topic : "reading " + source;
        return new UserException("produce: " + what + " failed after " + sending.committed + " records were"
                + " committed (the " + sending.open + " of the open transaction were aborted and are never read): "
                + describe(cause) + "; continue with the same command and " + continuation.apply(sending.committed),
                cause);
    }

    private static void abort(KafkaProducer<String, byte[]> producer) {
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            // Fenced or fatal: the coordinator aborts the open transaction itself (fencing or transaction timeout).
            LOG.warn("produce: could not abort the open transaction ({}); the broker aborts it", e.toString());
        }
    }

    /** The innermost message that says something, with its type when the message alone would be cryptic. */
    private static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && !(t instanceof UserException)) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? "" : t.getMessage();
        return t instanceof UserException ? message : t.getClass().getSimpleName() + ": " + message;
    }

    /** ", about N s left" when the input knows its size, else nothing. */
    private static String left(Iterator<Event> events, long skip, long committed, long startNanos) {
        if (!(events instanceof Sized sized) || committed == 0) {
            return "";
        }
        long rest = Math.max(0, sized.size() - skip - committed);
        double seconds = (System.nanoTime() - startNanos) / 1e9 * rest / committed;
        return String.format(Locale.ROOT, ", %d of %d, about %.0f s left", skip + committed, sized.size(),
                seconds);
    }

    private static long rate(long count, long startNanos) {
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        return Math.round(count / seconds);
    }
}
