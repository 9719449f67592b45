package io.streamtrain.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.streamtrain.core.Redaction;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Settings;
import io.streamtrain.core.SparkSettings;
import io.streamtrain.core.Warehouse;
import io.streamtrain.ingest.IngestRules;
import io.streamtrain.ingest.IngestSettings;
import io.streamtrain.ingest.KafkaSettings;
import io.streamtrain.ingest.ProduceSettings;
import io.streamtrain.preprocess.PreprocessSettings;
import io.streamtrain.train.TrainSettings;

import java.util.Map;

/**
 * Every stage's typed settings, all validated when this is built, so a wrong value fails before anything starts.
 */
public record AppConfig(Settings settings, Warehouse warehouse, SparkSettings spark, RecordSchema schema,
                        KafkaSettings kafka, ProduceSettings produce, IngestSettings ingest,
                        PreprocessSettings preprocess, TrainSettings train) {

    public static AppConfig from(Settings s) {
        AppConfig config = new AppConfig(s, Warehouse.from(s), SparkSettings.from(s), RecordSchema.from(s),
                KafkaSettings.from(s), ProduceSettings.from(s), IngestSettings.from(s), PreprocessSettings.from(s),
                TrainSettings.from(s));
        // The network's geometry depends on the schema too: a CNN too deep for the image fails here, not in train.
        config.train().architecture().requireFits(config.schema().featureCount());
        return config;
    }

    public IngestRules ingestRules() {
        return new IngestRules(schema, ingest.maxRecordBytes(), ingest.maxJsonDepth(), ingest.maxIdLength());
    }

    /** The effective configuration as HOCON, secrets redacted: saved with every model bundle. */
    public String render() {
        Config c = settings.raw();
        for (Map.Entry<String, com.typesafe.config.ConfigValue> e : c.entrySet()) {
            if (Redaction.isSecret(e.getKey())) {
                c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(Redaction.MASK));
            }
        }
        return c.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }
}
