/**
 * Distributed Deeplearning4j training over Spark. {@link io.streamtrain.train.Models} builds the network from the
 * config (the self-attention classifier from the SameDiff layers {@link io.streamtrain.model.TokenEmbedding} and
 * {@link io.streamtrain.model.TransformerBlock}), {@link io.streamtrain.model.Minibatches} turns curated rows into
 * DL4J minibatches on the executors,
 * {@link io.streamtrain.train.SparkTrainer} fits them with dl4j-spark's parameter averaging, and
 * {@link io.streamtrain.model.ModelBundle} saves the model with everything needed to use it.
 *
 * <p>Start from {@link io.streamtrain.train.TrainJob#run}.
 */
package io.streamtrain.train;
