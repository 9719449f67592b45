package io.streamtrain.train;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.model.Minibatches;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.Warehouse;
import io.streamtrain.preprocess.PreprocessJob;
import io.streamtrain.preprocess.PreprocessSettings;
import io.streamtrain.model.Scaler;
import io.streamtrain.core.table.Split;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LandingFixtures;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Spark local: the scaler travels with the model. Preprocessing new, differently distributed data after a model was
 * trained changes the curated table's scaler but not that model's predictions on the same test rows, and a run
 * resumed after such a preprocess keeps the scaler it began with.
 */
public class ScalerTravelsWithModelSparkTest extends SparkLocalTest {

    private static final RecordSchema SCHEMA = Fixtures.tinySchema();
    private static final Sizing SIZING = new Sizing(128L << 20, 512L << 20);
    private static final PreprocessSettings PREPROCESS = new PreprocessSettings(0.2, 0.0, Pattern.compile("^test-"),
            17, 1e-6);

    private static TrainSettings train(int epochs) {
        return TrainSettings.from(ConfigLoader.load(null, List.of("train.mlp.hidden-layers=[8]",
                "train.mlp.dropout=0", "train.batch-size=16", "train.epochs=" + epochs,
                "train.early-stopping-patience=0", "train.workers=2", "train.averaging-frequency=2")));
    }

    /** The bundle's outputs for the day-1 test rows, as evaluate builds its minibatches: one line per example. */
    private List<String> predictions(Warehouse w, String model) {
        ModelBundle bundle = ModelBundle.load(new HadoopFiles(jsc().hadoopConfiguration()), w, model);
        Dataset<Row> test = CuratedTable.split(spark(), w, Split.TEST).where(col("batch").equalTo("b0"));
        List<String> out = new ArrayList<>();
        for (DataSet d : Minibatches.of(test, bundle.scaler(), 1000, SCHEMA.classCount(), 1, 0L, 0).collect()) {
            INDArray y = bundle.network().output(d.getFeatures(), false);
            for (int r = 0; r < y.rows(); r++) {
                out.add(d.getFeatures().getRow(r) + " -> " + y.getRow(r));
            }
        }
        out.sort(null);
        return out;
    }

    @Test
    public void reprocessingChangesNeitherATrainedModelsPredictionsNorAResumedRunsScaler() throws Exception {
        Warehouse w = new Warehouse(Files.createTempDirectory("travels").resolve("warehouse").toString());
        HadoopFiles files = new HadoopFiles(jsc().hadoopConfiguration());
        List<Row> day1 = new ArrayList<>(LandingFixtures.separable("id-", 300, 1, 0, 0, "b0"));
        day1.addAll(LandingFixtures.separable("test-", 60, 2, 0, 1000, "b0"));
        LandingFixtures.land(spark(), w, day1);
        PreprocessJob.run(spark(), PREPROCESS, SCHEMA, w, SIZING, "p1");
        Scaler first = Scaler.current(files, w).orElseThrow();

        TrainJob.run(spark(), train(2), SCHEMA, w, "m1", TrainJob.Start.FRESH, "conf", SIZING);
        // m2 trains one epoch of two on the same data: a run to resume later.
        TrainJob.run(spark(), train(1), SCHEMA, w, "m2", TrainJob.Start.FRESH, "conf", SIZING);
        List<String> before = predictions(w, "m1");
        assertThat(before).hasSize(60);
        assertThat(ModelBundle.load(files, w, "m1").scaler()).isEqualTo(first);

        // New data of another brightness: the next scaler version differs.
        LandingFixtures.land(spark(), w, LandingFixtures.separable("day2-", 300, 3, 90, 5000, "b1"));
        PreprocessJob.run(spark(), PREPROCESS, SCHEMA, w, SIZING, "p2");
        Scaler second = Scaler.current(files, w).orElseThrow();
        assertThat(second.version()).isEqualTo("p2");
        assertThat(second.center()[0]).isNotEqualTo(first.center()[0]);

        assertThat(predictions(w, "m1")).as("m1 on the same test rows after re-preprocessing")
                .isEqualTo(before);

        TrainJob.run(spark(), train(2), SCHEMA, w, "m2", new TrainJob.Start(true, null), "conf", SIZING);
        assertThat(ModelBundle.load(files, w, "m2").scaler()).as("the resumed run keeps the scaler it began with")
                .isEqualTo(first);

        // A fresh run takes the current version; a warm start keeps its base model's.
        TrainJob.run(spark(), train(1), SCHEMA, w, "m3", TrainJob.Start.FRESH, "conf", SIZING);
        assertThat(ModelBundle.load(files, w, "m3").scaler()).isEqualTo(second);
        TrainJob.run(spark(), train(1), SCHEMA, w, "m4", new TrainJob.Start(false, "m1"), "conf", SIZING);
        assertThat(ModelBundle.load(files, w, "m4").scaler()).isEqualTo(first);
    }

    /**
     * A warehouse where model m1 trained on {@code first} rows of batch b0 (run p1), then {@code second} more rows of
     * batch b1 were curated (run p2).
     */
    private Warehouse modelM1ThenADayMore(String name, int first, int second) throws Exception {
        Warehouse w = new Warehouse(Files.createTempDirectory(name).resolve("warehouse").toString());
        LandingFixtures.land(spark(), w, LandingFixtures.separable("id-", first, 1, 0, 0, "b0"));
        PreprocessJob.run(spark(), PREPROCESS, SCHEMA, w, SIZING, "p1");
        TrainJob.run(spark(), train(1), SCHEMA, w, "m1", TrainJob.Start.FRESH, "conf", SIZING);
        LandingFixtures.land(spark(), w, LandingFixtures.separable("day2-", second, 3, 0, 5000, "b1"));
        PreprocessJob.run(spark(), PREPROCESS, SCHEMA, w, SIZING, "p2");
        return w;
    }

    /** A warm start with a replay ratio trains on its new rows and a sample of those its base model saw. */
    @Test
    public void aWarmStartReplaysASampleOfWhatItsBaseModelSaw() throws Exception {
        Warehouse w = modelM1ThenADayMore("replay", 400, 400);

        long newOnly = TrainJob.run(spark(), train(1), SCHEMA, w, "m2", new TrainJob.Start(false, "m1"), "conf",
                SIZING).examples();
        long replayed = TrainJob.run(spark(), train(1), SCHEMA, w, "m3", new TrainJob.Start(false, "m1", 0.5),
                "conf", SIZING).examples();
        // About half as many old rows as new ones: a Bernoulli sample of the ~320 rows m1 saw at about one half.
        assertThat(replayed - newOnly).isBetween(Math.round(0.5 * newOnly * 0.7), Math.round(0.5 * newOnly * 1.3));
        HadoopFiles files = new HadoopFiles(jsc().hadoopConfiguration());
        assertThat(ModelBundle.lineage(files, w, "m3").landingBatches()).contains("b0", "b1");
        assertThat(ModelBundle.lineage(files, w, "m2").landingBatches()).contains("b1");
    }

    /**
     * A continuous cycle's warm start: it fine-tunes at its share of the configured rate, and with replay it validates
     * on the new validation rows and a sample of the old, not on every validation row the warehouse ever curated.
     */
    @Test
    public void aFineTuneTakesItsShareOfTheRateAndValidatesOnTheReplayMix() throws Exception {
        Warehouse w = modelM1ThenADayMore("finetune", 800, 200);

        TrainJob.run(spark(), train(1), SCHEMA, w, "m2", new TrainJob.Start(false, "m1", 1.0, 0.3), "conf", SIZING);

        HadoopFiles files = new HadoopFiles(jsc().hadoopConfiguration());
        double configured = train(1).optimizer().learningRate();
        assertThat(ModelBundle.load(files, w, "m1").network().getLearningRate(0)).isCloseTo(configured,
                within(1e-12));
        assertThat(ModelBundle.load(files, w, "m2").network().getLearningRate(0)).isCloseTo(0.3 * configured,
                within(1e-12));
        long before = ModelBundle.lineage(files, w, "m1").curatedRows().get(Split.VALIDATION.value());
        long all = CuratedTable.split(spark(), w, Split.VALIDATION).count();
        long fresh = all - before;
        // The ~40 new validation rows and a Bernoulli sample of about as many of the ~160 m1 validated on.
        assertThat(ModelBundle.lineage(files, w, "m2").curatedRows().get(Split.VALIDATION.value()))
                .isBetween(fresh + Math.round(fresh * 0.5), fresh + Math.round(fresh * 1.6));
    }
}
