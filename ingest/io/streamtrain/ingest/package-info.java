/**
 * Kafka is the front door. This stage publishes data sets to a topic ({@link io.streamtrain.ingest.EventPublisher}),
 * reads the topic with Spark exactly once into the landing table ({@link io.streamtrain.ingest.IngestJob}), and
 * validates every record on the way ({@link io.streamtrain.ingest.RecordParser}): a record either lands or is
 * quarantined with a {@link io.streamtrain.core.table.Reason}. With {@code kafka.bootstrap-servers = "embedded"} a real
 * single-node KRaft broker runs inside the job ({@link io.streamtrain.core.kafka.EmbeddedKafka}).
 *
 * <p>Start from {@link io.streamtrain.ingest.IngestJob#run}.
 */
package io.streamtrain.ingest;
