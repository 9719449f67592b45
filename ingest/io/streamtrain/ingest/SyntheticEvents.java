package io.streamtrain.ingest;

import io.streamtrain.core.RecordSchema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * A seeded stream of realistic events for large-scale tests: every class has a prototype vector and its examples
 * scatter around it within the schema's range; classes are imbalanced (class k is drawn with weight
 * {@code 1 / (k + 1)^imbalance}), a share of labels is wrong, a share of events is sent twice, and a share is
 * malformed in one of several ways the door must quarantine. The same seed gives the same events.
 */
public final class SyntheticEvents implements Iterator<Event>, Sized {

    /** How the generated stream is shaped. */
    public record Spec(long records, long seed, double imbalance, double labelNoise, double duplicateRate,
                       double malformedRate) {
    }

    private static final String[] MALFORMED = {"truncated", "missing-label", "short-vector", "out-of-range",
            "unknown-label", "not-json"};

    private final RecordSchema schema;
    private final Spec spec;
    private final Random random;
    private final double[][] prototypes;
    private final double[] cumulative;
    private final long timestamp;
    private final List<Event> sent = new ArrayList<>();
    private long produced;
    private long next;

    public SyntheticEvents(RecordSchema schema, Spec spec, long timestamp) {
        this.schema = schema;
        this.spec = spec;
        this.random = new Random(spec.seed());
        this.timestamp = timestamp;
        int classes = schema.classCount();
        this.prototypes = new double[classes][schema.featureCount()];
        double span = schema.maxValue() - schema.minValue();
        for (double[] p : prototypes) {
            for (int i = 0; i < p.length; i++) {
                p[i] = schema.minValue() + span * random.nextDouble();
            }
        }
        this.cumulative = new double[classes];
        double total = 0;
        for (int k = 0; k < classes; k++) {
            total += 1.0 / Math.pow(k + 1, spec.imbalance());
            cumulative[k] = total;
        }
        for (int k = 0; k < classes; k++) {
            cumulative[k] /= total;
        }
    }

    @Override
    public long size() {
        return spec.records();
    }

    @Override
    public boolean hasNext() {
        return produced < spec.records();
    }

    @Override
    public Event next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        produced++;
        double roll = random.nextDouble();
        if (roll < spec.duplicateRate() && !sent.isEmpty()) {
            return sent.get(random.nextInt(sent.size()));
        }
        String id = "syn-" + spec.seed() + "-" + next++;
        Event e = roll < spec.duplicateRate() + spec.malformedRate() ? malformed(id) : valid(id);
        if (sent.size() < 10_000) {
            sent.add(e);
        } else {
            sent.set(random.nextInt(sent.size()), e);
        }
        return e;
    }

    private Event valid(String id) {
        int label = drawClass();
        double[] p = prototypes[label];
        double span = schema.maxValue() - schema.minValue();
        int[] ints = new int[p.length];
        double[] values = new double[p.length];
        boolean integral = schema.minValue() == Math.rint(schema.minValue()) && span >= 32;
        for (int i = 0; i < p.length; i++) {
            double v = p[i] + random.nextGaussian() * span * 0.15;
            v = Math.max(schema.minValue(), Math.min(schema.maxValue(), v));
            values[i] = v;
            ints[i] = (int) Math.round(v);
        }
        if (random.nextDouble() < spec.labelNoise()) {
            label = random.nextInt(schema.classCount());
        }
        byte[] json = integral ? FashionMnistIdx.toJson(id, timestamp, label, ints) : toJson(id, label, values);
        return new Event(id, json);
    }

    private Event malformed(String id) {
        String kind = MALFORMED[random.nextInt(MALFORMED.length)];
        String zeros = "0,".repeat(schema.featureCount() - 1) + "0";
        String json = switch (kind) {
            case "truncated" -> "{\"id\":\"" + id + "\",\"ts\":" + timestamp + ",\"label\":0,\"features\":[0,0";
            case "missing-label" -> "{\"id\":\"" + id + "\",\"ts\":" + timestamp + ",\"features\":[" + zeros + "]}";
            case "short-vector" -> "{\"id\":\"" + id + "\",\"ts\":" + timestamp + ",\"label\":0,\"features\":[0]}";
            case "out-of-range" -> "{\"id\":\"" + id + "\",\"ts\":" + timestamp + ",\"label\":0,\"features\":["
                    + (schema.maxValue() + 1) + (schema.featureCount() > 1 ? "," + "0,".repeat(schema.featureCount() - 2) + "0" : "") + "]}";
            case "unknown-label" -> "{\"id\":\"" + id + "\",\"ts\":" + timestamp + ",\"label\":\"no-such-class\","
                    + "\"features\":[" + zeros + "]}";
            default -> "not json " + id;
        };
        return new Event(id, json.getBytes(StandardCharsets.UTF_8));
    }

    private int drawClass() {
        double u = random.nextDouble();
        for (int k = 0; k < cumulative.length; k++) {
            if (u <= cumulative[k]) {
                return k;
            }
        }
        return cumulative.length - 1;
    }

    private byte[] toJson(String id, int label, double[] values) {
        StringBuilder sb = new StringBuilder("{\"id\":\"").append(id).append("\",\"ts\":").append(timestamp)
                .append(",\"label\":").append(label).append(",\"features\":[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append((float) values[i]);
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
