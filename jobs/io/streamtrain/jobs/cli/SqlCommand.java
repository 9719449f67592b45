package io.streamtrain.jobs.cli;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.UserException;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.core.table.PackedFeatures;
import io.streamtrain.core.table.Table;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.ExitCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run a Spark SQL query over the warehouse tables (landing, quarantine, ingest_audit, curated,"
                + " data_profile, batch_decisions, training_history, evaluation, confusion_matrix, predictions, decisions, scores,"
                + " compression, runs).")
public final class SqlCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(paramLabel = "QUERY", description = "e.g. \"SELECT reason, count(*) FROM quarantine GROUP BY reason\"")
    String query;

    @Option(names = "--limit", defaultValue = "100", description = "Rows to print (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
        AppConfig config = options.load(List.of());
        if (limit <= 0) {
            throw new ConfigException("--limit", limit, "must be a positive number of rows");
        }
        Sessions.requireMaster(config.spark());
        List<Table> tables = new ArrayList<>();
        HadoopFiles before = HadoopFiles.beforeSpark(config.spark());
        for (Table table : Table.values()) {
            // A folder without data files yet (quarantine after a run with no bad records) has no schema.
            if (before.containsFile(config.warehouse().table(table), ".parquet")) {
                tables.add(table);
            }
        }
        if (tables.isEmpty()) {
            throw new UserException("No tables in warehouse " + config.warehouse().root()
                    + ": run the pipeline first, or set warehouse to the folder it wrote");
        }
        CuratedTable.requireKeys(before, config.warehouse(), config.spark().encryption());
        if (options.dryRun) {
            System.out.println(Plans.describe("sql", new StagePlan("sql", tables.stream()
                    .map(t -> config.warehouse().table(t) + " as " + t.viewName()).toList(),
                    List.of("stdout, up to " + limit + " rows")), config));
            return ExitCode.OK.code();
        }
        SparkSession spark = Sessions.create(config.spark());
        try {
            for (Table table : tables) {
                spark.read().parquet(config.warehouse().table(table)).createOrReplaceTempView(table.viewName());
            }
            PackedFeatures.register(spark);
            CompactFeatures.register(spark);
            spark.sql(query).show(limit, false);
        } catch (Exception e) {
            // Scala's AnalysisException is a checked exception Java cannot name in a catch the compiler accepts.
            if (e instanceof AnalysisException bad) {
                // A query that does not parse or names an unknown table or column: the user's to fix.
                throw new UserException("the query is not valid here: " + bad.getSimpleMessage() + " (tables: "
                        + tables.stream().map(Table::viewName).toList() + ")");
            }
            throw e;
        } finally {
            spark.stop();
        }
        return ExitCode.OK.code();
    }
}
