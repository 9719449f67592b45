/**
 * The command line: one main class, {@link io.streamtrain.jobs.StreamTrain}, with a subcommand per stage plus
 * {@code pipeline} and {@code sql}. Each subcommand parses its arguments, loads the configuration, builds the session,
 * calls the stage's {@code run}, and stops the session. Nothing else depends on this package.
 */
package io.streamtrain.jobs;
