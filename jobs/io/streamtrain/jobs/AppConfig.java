package io.streamtrain.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.streamtrain.core.Redaction;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Settings;
import io.streamtrain.core.SparkSettings;
import io.streamtrain.core.Warehouse;
import io.streamtrain.modelops.CompressSettings;
import io.streamtrain.evaluate.EvaluateSettings;
import io.streamtrain.modelops.ExplainSettings;
import io.streamtrain.modelops.ScoreSettings;
import io.streamtrain.ingest.IngestRules;
import io.streamtrain.ingest.IngestSettings;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.ingest.ProduceSettings;
import io.streamtrain.preprocess.PreprocessSettings;
import io.streamtrain.train.TrainSettings;

import java.util.Map;

/**
 * Every stage's typed settings, all validated when this is built, so a wrong value fails before anything starts.
 */
public record AppConfig(Settings settings, Warehouse warehouse, SparkSettings spark, RecordSchema schema,
                        KafkaSettings kafka, ProduceSettings produce, IngestSettings ingest,
                        PreprocessSettings preprocess, TrainSettings train, EvaluateSettings evaluate,
                        CompressSettings compress, ExplainSettings explain,
                        ScoreSettings score, CommandSettings command, ContinuousSettings continuous) {

    public static AppConfig from(Settings s) {
        AppConfig config = new AppConfig(s, Warehouse.from(s), SparkSettings.from(s), RecordSchema.from(s),
                KafkaSettings.from(s), ProduceSettings.from(s), IngestSettings.from(s), PreprocessSettings.from(s),
                TrainSettings.from(s), EvaluateSettings.from(s), CompressSettings.from(s), ExplainSettings.from(s),
                ScoreSettings.from(s), CommandSettings.from(s), ContinuousSettings.from(s));
        // The network's geometry depends on the schema too: a CNN too deep for the image fails here, not in train.
        config.train().architecture().requireFits(config.schema().featureCount());
        return config;
    }

    public IngestRules ingestRules() {
        return new IngestRules(schema, ingest.maxRecordBytes(), ingest.maxJsonDepth(), ingest.maxIdLength());
    }

    /**
     * The effective configuration as HOCON, saved with every model bundle: every secret masked (by its key or its
     * value, see {@link Redaction}), including the quoted keys inside {@code kafka.properties} and {@code spark.conf},
     * and no comments, neither the defaults' nor the user's (a comment may quote a secret).
     */
    public String render() {
        return redacted().root().render(ConfigRenderOptions.defaults()
                .setComments(false).setOriginComments(false).setJson(false));
    }

    /** The configuration on one line, secrets masked: a record's own toString would print every setting as read. */
    @Override
    public String toString() {
        return "AppConfig" + redacted().root().render(ConfigRenderOptions.concise());
    }

    private Config redacted() {
        Config c = settings.raw();
        // entrySet's keys are path expressions, quoted where a key holds dots, so withValue finds the same leaf.
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            if (Redaction.isSecret(e.getKey(), e.getValue().unwrapped())) {
                c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(Redaction.MASK));
            }
        }
        return c;
    }
}
