/**
 * The stage contract: every stage plans without side effects, then runs and returns a typed result. Start from
 * {@link io.streamtrain.core.stage.Stage}; the runner is {@code jobs/StageRunner}.
 */
package io.streamtrain.core.stage;
