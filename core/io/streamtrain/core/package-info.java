/**
 * What every stage shares: typed configuration with validation, the warehouse layout and its tables,
 * run ids, the one production {@code SparkSession} factory, and small Hadoop file helpers that work the same on
 * a local folder, HDFS and S3.
 *
 * <p>Nothing here knows about Kafka, Parquet schemas of a stage, or DL4J.
 */
package io.streamtrain.core;
