package io.streamtrain.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.streamtrain.core.RecordSchema;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes events to the topic with an idempotent producer (acks=all), printing progress and rate. A send that
 * fails after the producer's retries fails the whole publish: nothing is skipped quietly.
 */
public final class EventPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final long PROGRESS_EVERY = 10_000;

    private final KafkaConnection kafka;

    public EventPublisher(KafkaConnection kafka) {
        this.kafka = kafka;
    }

    /** Publishes what {@code settings} names; returns the number of records sent. */
    public long publish(ProduceSettings settings, RecordSchema schema, long timestamp) {
        Path input = Path.of(settings.input());
        return switch (settings.format()) {
            case CSV -> {
                try (CsvEvents events = new CsvEvents(input, timestamp)) {
                    yield publish(events);
                }
            }
            case SYNTHETIC -> publish(new SyntheticEvents(schema, settings.synthetic(), timestamp));
            case IDX -> {
                long total = 0;
                for (Iterator<Event> part : FashionMnistIdx.folder(input, timestamp)) {
                    total += publish(part);
                }
                yield total;
            }
            case JSONL -> publishLines(input);
        };
    }

    /** Each non-empty line is sent as it is; the key is the line's id when it has one. */
    public long publishLines(Path file) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Iterator<Event> events = reader.lines()
                    .filter(line -> !line.isBlank())
                    .map(line -> new Event(idOf(line), line.getBytes(StandardCharsets.UTF_8)))
                    .iterator();
            return publish(events);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    public long publish(Iterator<Event> events) {
        kafka.ensureTopic();
        Map<String, Object> props = kafka.clientProperties();
        // Exactly-once on the way in: retries never duplicate a record within a partition.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Throughput: ~2 KB JSON records batch and compress well.
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        String topic = kafka.settings().topic();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long sent = 0;
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            while (events.hasNext() && failure.get() == null) {
                Event e = events.next();
                producer.send(new ProducerRecord<>(topic, e.key(), e.value()), (meta, ex) -> {
                    if (ex != null) {
                        failure.compareAndSet(null, ex);
                    }
                });
                if (++sent % PROGRESS_EVERY == 0) {
                    LOG.info("produce: {} records sent to {} ({} records/s)", sent, topic, rate(sent, start));
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Publishing to " + topic + " failed after " + sent + " records: "
                    + failure.get().getMessage(), failure.get());
        }
        LOG.info("produce: {} records sent to {} ({} records/s)", sent, topic, rate(sent, start));
        return sent;
    }

    private static long rate(long count, long startNanos) {
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        return Math.round(count / seconds);
    }

    /** The value of a top-level "id" string field, or null; never fails on bad JSON (ingest will judge it). */
    static String idOf(String line) {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if ("id".equals(name)) {
                    return v == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

}
