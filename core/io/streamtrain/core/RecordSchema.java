package io.streamtrain.core;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What a valid example looks like, shared by every stage: the length of its feature vector, the range its values must
 * lie in, and the class names (a label is either an index into {@code labels} or one of its names).
 *
 * @param featureCount number of features, 784 for Fashion-MNIST's 28x28 pixels
 * @param minValue     smallest allowed feature value
 * @param maxValue     largest allowed feature value
 * @param labels       class names, index = class id
 */
public record RecordSchema(int featureCount, double minValue, double maxValue, List<String> labels)
        implements Serializable {

    public static final String FEATURE_COUNT = "schema.feature-count";
    public static final String MIN_VALUE = "schema.min-value";
    public static final String MAX_VALUE = "schema.max-value";
    public static final String LABELS = "schema.labels";

    public RecordSchema {
        labels = List.copyOf(labels);
        if (!(minValue <= maxValue)) {
            throw new ConfigException(MAX_VALUE, maxValue, "must be at least " + MIN_VALUE + " (" + minValue + ")");
        }
        if (labels.size() < 2) {
            throw new ConfigException(LABELS, labels, "must name at least two classes");
        }
        if (labels.stream().distinct().count() != labels.size()) {
            throw new ConfigException(LABELS, labels, "must not repeat a class name");
        }
    }

    public static RecordSchema from(Settings s) {
        return new RecordSchema(s.positiveInt(FEATURE_COUNT), finite(s, MIN_VALUE), finite(s, MAX_VALUE),
                s.strings(LABELS));
    }

    public int classCount() {
        return labels.size();
    }

    /** Class name to index, for labels sent by name. */
    public Map<String, Integer> labelIndex() {
        return IntStream.range(0, labels.size()).boxed()
                .collect(Collectors.toUnmodifiableMap(labels::get, Function.identity()));
    }

    private static double finite(Settings s, String key) {
        double v = s.doubleInRange(key, -Double.MAX_VALUE, Double.MAX_VALUE);
        return v;
    }
}
