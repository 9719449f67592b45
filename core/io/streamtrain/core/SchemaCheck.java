package io.streamtrain.core;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/** Checks a table at a stage boundary: every expected column is there with the expected type. */
public final class SchemaCheck {

    private SchemaCheck() {
    }

    /**
     * @param what names the table in the error, e.g. "landing table at ./warehouse/landing"
     * @throws UserException naming the column, the expected type and the type found
     */
    public static void require(Dataset<Row> df, StructType expected, String what) {
        StructType actual = df.schema();
        for (StructField want : expected.fields()) {
            if (!Arrays.asList(actual.fieldNames()).contains(want.name())) {
                throw new UserException("The " + what + " has no column '" + want.name() + "' ("
                        + want.dataType().simpleString() + "); its columns are " + actual.simpleString()
                        + ": it was written by another program or version; re-run the stage that writes it");
            }
            StructField found = actual.apply(want.name());
            if (!found.dataType().sameType(want.dataType())) {
                throw new UserException("The " + what + " has column '" + want.name() + "' of type "
                        + found.dataType().simpleString() + ", expected " + want.dataType().simpleString()
                        + ": re-run the stage that writes it");
            }
        }
    }
}
