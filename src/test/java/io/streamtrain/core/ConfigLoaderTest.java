package io.streamtrain.core;

import io.streamtrain.jobs.AppConfig;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.evaluate.EvaluateSettings.GateSettings.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configuration: the shipped files load, and every bad value fails naming key, value and rule. */
class ConfigLoaderTest {

    private static AppConfig load(String... overrides) {
        return AppConfig.from(ConfigLoader.load(null, List.of(overrides)));
    }

    @Test
    void defaultsDescribeFashionMnistOnTheEmbeddedBroker() {
        AppConfig c = load();
        assertThat(c.schema().featureCount()).isEqualTo(784);
        assertThat(c.schema().labels()).isEqualTo(Fixtures.FASHION_LABELS);
        assertThat(c.kafka().isEmbedded()).isTrue();
        assertThat(c.train().hiddenLayers()).containsExactly(256, 128);
    }

    @Test
    void shippedLocalAndClusterFilesAreValid() {
        AppConfig local = AppConfig.from(ConfigLoader.load(Fixtures.projectRoot().resolve("conf/local.conf"), List.of()));
        assertThat(local.spark().conf()).containsEntry("spark.master", "local[*]");
        AppConfig cluster = AppConfig.from(ConfigLoader.load(Fixtures.projectRoot().resolve("conf/cluster.conf"),
                List.of()));
        assertThat(cluster.warehouse().root()).startsWith("hdfs://");
        assertThat(cluster.kafka().isEmbedded()).isFalse();
        assertThat(cluster.spark().conf()).doesNotContainKey("spark.master");
    }

    @Test
    void overridesWinAndAreTyped() {
        AppConfig c = load("train.epochs=3", "warehouse=/tmp/w", "train.mlp.hidden-layers=[32]");
        assertThat(c.train().epochs()).isEqualTo(3);
        assertThat(c.warehouse().root()).isEqualTo("/tmp/w");
        assertThat(c.train().hiddenLayers()).containsExactly(32);
    }

    @Test
    void nonPositiveEpochsNameKeyValueAndRule() {
        assertThatThrownBy(() -> load("train.epochs=0"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value '0' for 'train.epochs': must be an integer from 1 to 10000");
    }

    @Test
    void aNonInferiorityGateIsTypedAndNeedsTheBootstrapItDecidesOn() {
        AppConfig c = load("evaluate.gate.rule=non-inferiority", "evaluate.gate.non-inferiority-margin=0.01");
        assertThat(c.evaluate().gate().rule())
                .isEqualTo(Rule.NON_INFERIORITY);
        assertThat(c.evaluate().gate().nonInferiorityMargin()).isEqualTo(0.01);
        assertThat(load().evaluate().gate().rule())
                .isEqualTo(Rule.SUPERIORITY);
        assertThatThrownBy(() -> load("evaluate.gate.rule=non-inferiority", "evaluate.bootstrap.replicates=0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'evaluate.gate.rule'").hasMessageContaining("evaluate.bootstrap.replicates = 0");
    }

    @Test
    void aHoldoutShareMustFitBesideValidationAndTest() {
        assertThat(load().continuous().holdoutFraction()).isEqualTo(0.05);
        assertThat(load().preprocess().holdoutFraction()).isZero();
        assertThatThrownBy(() -> load("continuous.holdout-fraction=0.85", "preprocess.test-fraction=0.1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value '0.85' for 'continuous.holdout-fraction'");
        assertThatThrownBy(() -> load("preprocess.holdout-fraction=0.95"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value '0.95' for 'preprocess.holdout-fraction'");
    }

    @Test
    void wrongTypeIsReported() {
        assertThatThrownBy(() -> load("train.batch-size=many"))
                .hasMessage("Invalid value 'many' for 'train.batch-size': must be an integer");
    }

    @Test
    void unknownEnumValueListsTheChoices() {
        assertThatThrownBy(() -> load("train.updater=adamw"))
                .hasMessageContaining("'train.updater'")
                .hasMessageContaining("must be one of sgd, nesterovs, adam, adagrad, rmsprop");
    }

    @Test
    void trainingMasterScheduleAndSharingAreTyped() {
        AppConfig c = load("train.master=sharing", "train.sharing.port=40999", "train.sharing.epoch-timeout=90s",
                "train.learning-rate-schedule.kind=step", "train.weight-init=relu-uniform");
        assertThat(c.train().distribution().master()).isEqualTo(io.streamtrain.train.Distribution.Master.SHARING);
        assertThat(c.train().distribution().sharing().port()).isEqualTo(40999);
        assertThat(c.train().distribution().sharing().epochTimeout()).hasSeconds(90);
        assertThat(c.train().optimizer().schedule()).isEqualTo(io.streamtrain.train.Optimizer.Schedule.STEP);
        assertThat(c.train().weightInit()).isEqualTo(io.streamtrain.train.TrainSettings.Init.RELU_UNIFORM);
        assertThat(load().train().distribution().master()).isEqualTo(io.streamtrain.train.Distribution.Master.AVERAGING);
        assertThat(load("train.learning-rate-scaling=sqrt").train().distribution().scaling())
                .isEqualTo(io.streamtrain.train.Distribution.LearningRateScaling.SQRT);
        assertThatThrownBy(() -> load("train.learning-rate-scaling=double"))
                .hasMessage("Invalid value 'double' for 'train.learning-rate-scaling': must be one of none, linear, "
                        + "sqrt");
    }

    @Test
    void badTrainingSettingsNameKeyValueAndRule() {
        assertThatThrownBy(() -> load("train.master=ring-allreduce"))
                .hasMessage("Invalid value 'ring-allreduce' for 'train.master': must be one of averaging, sharing");
        assertThatThrownBy(() -> load("train.learning-rate-schedule.kind=exponential",
                "train.learning-rate-schedule.decay=1.5"))
                .hasMessage("Invalid value '1.5' for 'train.learning-rate-schedule.decay': must be in (0, 1] for an "
                        + "exponential schedule");
        assertThatThrownBy(() -> load("train.sharing.network-mask=10.0.0.0"))
                .hasMessageStartingWith("Invalid value '10.0.0.0' for 'train.sharing.network-mask'");
        assertThatThrownBy(() -> load("train.sharing.epoch-timeout=soon"))
                .hasMessage("Invalid value 'soon' for 'train.sharing.epoch-timeout': must be a duration such as "
                        + "30 minutes or 90s");
        assertThatThrownBy(() -> load("train.model=lstm", "train.augment.horizontal-flip=true"))
                .hasMessage("Invalid value 'true' for 'train.augment.horizontal-flip': works on flat images (train.model"
                        + " mlp, cnn or attention); the LSTM reads each row as a time step");
        assertThat(load("train.model=cnn", "train.augment.horizontal-flip=true").train().horizontalFlip()).isTrue();
        assertThatThrownBy(() -> load("train.sharing.port=80"))
                .hasMessage("Invalid value '80' for 'train.sharing.port': must be an integer from 1024 to 65535");
    }

    @Test
    void typoInKeyIsRefused() {
        assertThatThrownBy(() -> load("train.epoch=3"))
                .hasMessage("Invalid value '3' for 'train.epoch': is not a known setting (see conf/application.conf)");
    }

    @Test
    void settingsThatBreakExactlyOnceAreRefusedWithTheAlternative() {
        assertThatThrownBy(() -> load("kafka.properties.\"enable.auto.commit\"=true"))
                .hasMessageContaining("kafka.properties.\"enable.auto.commit\"")
                .hasMessageContaining("would break exactly-once");
        assertThatThrownBy(() -> load("kafka.properties.\"auto.offset.reset\"=latest"))
                .hasMessageContaining("use ingest.starting-offsets");
    }

    @Test
    void fractionsMustLeaveRoomForTraining() {
        assertThatThrownBy(() -> load("preprocess.validation-fraction=0.6", "preprocess.test-fraction=0.5"))
                .hasMessageContaining("'preprocess.test-fraction'");
    }

    @Test
    void badRegexIsReported() {
        assertThatThrownBy(() -> load("preprocess.pinned-test-ids=\"[\""))
                .hasMessageContaining("'preprocess.pinned-test-ids'")
                .hasMessageContaining("regular expression");
    }

    @Test
    void invalidRunIdIsRefused() {
        assertThatThrownBy(() -> RunId.validate("../etc"))
                .hasMessageContaining("'--run-id'");
        assertThat(RunId.validate("2026-11-23_daily")).isEqualTo("2026-11-23_daily");
    }

    @Test
    void secretsAreRedactedFromTheRenderedConfig() {
        AppConfig c = load("kafka.properties.\"sasl.jaas.config\"=\"org.apache.kafka.common.security.scram.ScramLoginModule"
                + " required username=u password=hunter2;\"");
        assertThat(c.render()).doesNotContain("hunter2").contains(Redaction.MASK);
    }
}
