package io.streamtrain.core.table;

import java.util.List;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import io.streamtrain.core.EncryptionSettings;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.SchemaCheck;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.types.DataTypes.createStructField;

/**
 * The curated table, {@code curated/split=<split>/preprocess_run=<run>/}: deduplicated, split and compactly stored
 * examples. Preprocess writes it and commits each run in its {@link Ledger}; train, evaluate and the model
 * operations read it only through {@link #read} and {@link #split}, which see committed runs only.
 */
public final class CuratedTable {

    /** First partition column: train, validation or test ({@link Split}). */
    public static final String SPLIT = "split";
    /** Second partition column: the preprocess run that curated the row. */
    public static final String RUN = "preprocess_run";
    /** The features as an array of numbers, before {@link CompactFeatures} stores them. */
    public static final String FEATURES = "features";
    /** Folder beside the partitions holding one fitted scaler a run: {@code _scalers/<version>.json}. */
    public static final String SCALERS = "_scalers";

    /** The columns a reader of examples relies on, checked on every {@link #split} read. */
    public static final StructType EXAMPLES = new StructType(new StructField[]{
            createStructField("label", DataTypes.IntegerType, false),
            createStructField(CompactFeatures.U8, DataTypes.BinaryType, true),
            createStructField(CompactFeatures.F32, DataTypes.createArrayType(DataTypes.FloatType, false), true),
            createStructField(SPLIT, DataTypes.StringType, false),
            createStructField("topic", DataTypes.StringType, false),
            createStructField("partition", DataTypes.IntegerType, false),
            createStructField("offset", DataTypes.LongType, false),
            createStructField(IngestTables.BATCH, DataTypes.StringType, false),
    });

    /** How a Parquet file with an encrypted footer ends (a plain one ends with {@code PAR1}). */
    private static final byte[] ENCRYPTED_FOOTER = "PARE".getBytes(StandardCharsets.US_ASCII);

    private CuratedTable() {
    }

    /** Where scaler {@code version} (the preprocess run that fitted it) is saved. */
    public static String scalerPath(Warehouse warehouse, String version) {
        return warehouse.table(Table.CURATED) + "/" + SCALERS + "/" + version + ".json";
    }

    /** Fails unless the curated table holds data files. */
    public static void require(HadoopFiles files, Warehouse warehouse) {
        String path = warehouse.table(Table.CURATED);
        if (!files.containsFile(path, ".parquet")) {
            throw new UserException("No curated table at " + path + ": run preprocess first");
        }
    }

    /**
     * The curated table as the committed preprocess runs left it.
     *
     * @throws UserException when no committed run curated a row
     */
    public static Dataset<Row> read(SparkSession spark, Warehouse warehouse) {
        String path = warehouse.table(Table.CURATED);
        Ledger ledger = Ledger.load(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), path);
        Dataset<Row> rows = committed(spark, path, ledger);
        if (rows == null) {
            throw new UserException("The curated table at " + path + " holds no committed rows (its " + Ledger.FILE
                    + " lists none): ingest records, then run preprocess");
        }
        return rows;
    }

    /**
     * The rows of the committed runs of {@code ledger}, read from their own folders, or null when none curated a
     * row: rows a failed run left behind are not among them, and neither are rows written after this call (Spark
     * re-lists a cached plan's folders after every write under them, and these folders receive none).
     */
    public static Dataset<Row> committed(SparkSession spark, String curatedPath, Ledger ledger) {
        // A run that curated no row (all quarantined) has no folder to read.
        String[] dirs = ledger.runs().stream()
                .filter(r -> r.curated() > 0)
                .map(r -> curatedPath + "/" + SPLIT + "=*/" + RUN + "=" + r.runId())
                .toArray(String[]::new);
        return dirs.length == 0 ? null : spark.read().option("basePath", curatedPath).parquet(dirs);
    }

    /** One split of the committed curated rows, checked against {@link #EXAMPLES}. */
    public static Dataset<Row> split(SparkSession spark, Warehouse warehouse, Split split) {
        require(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), warehouse);
        Dataset<Row> curated = read(spark, warehouse);
        SchemaCheck.require(curated, EXAMPLES, "curated table at " + warehouse.table(Table.CURATED));
        return curated.where(col(SPLIT).equalTo(split.value()));
    }

    /**
     * Fails when the curated table was written with Parquet modular encryption and no keys are configured: without
     * them Spark cannot even read a footer, and the job would die with a page of {@code CANNOT_READ_FILE_FOOTER}. One
     * data file is enough to tell, by its last four bytes.
     */
    public static void requireKeys(HadoopFiles files, Warehouse warehouse, EncryptionSettings encryption) {
        if (encryption.enabled()) {
            return;
        }
        String path = warehouse.table(Table.CURATED);
        List<String> data = files.glob(path + "/" + SPLIT + "=*/" + RUN + "=*/*.parquet");
        if (!data.isEmpty() && Arrays.equals(files.tail(data.get(0), 4), ENCRYPTED_FOOTER)) {
            throw new UserException("The curated table at " + path + " is encrypted (Parquet modular encryption)"
                    + " but " + EncryptionSettings.KMS + " is unset: give the encryption settings it was written"
                    + " with (" + EncryptionSettings.KMS + ", " + EncryptionSettings.KEY_FILE + " or "
                    + EncryptionSettings.KMS_INSTANCE_URL + ", " + EncryptionSettings.COLUMN_KEY + ", "
                    + EncryptionSettings.FOOTER_KEY + ")");
        }
    }

    /** {@code rows}, the size of the test split, unless it is 0: an empty split is the user's to fix. */
    public static long requireTestRows(long rows, Warehouse warehouse) {
        if (rows == 0) {
            throw new UserException("The curated test split at " + warehouse.table(Table.CURATED) + " is empty:"
                    + " set preprocess.test-fraction or preprocess.pinned-test-ids, then run preprocess again");
        }
        return rows;
    }
}
