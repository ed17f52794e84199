// Package stage names the rollout stages of policy objects, which policy defines
// (policy.RolloutStage) and internal/render orders output by, and the annotation that
// carries them: both take them from here, so that policy does not depend on the renderer.
package stage

// Annotation is the annotation in which the backends record the rollout stage of every
// policy object they emit (policy.RolloutStageAnnotation; policy.RolloutStage explains the
// stages). Its values are Names.
const Annotation = "netintent.io/rollout-stage"

// Names are the values of Annotation in rollout order: the names of policy.RolloutStage's
// constants.
var Names = [...]string{"audit", "guardrail", "workload", "namespace", "cluster"}

// LevelAnnotation orders objects within a stage (policy.RolloutLevelAnnotation): a number
// from 1 to MaxLevel, the second digit of the object's rollout step; absent is 0.
const LevelAnnotation = "netintent.io/rollout-level"

// MaxLevel is the highest level a step can hold.
const MaxLevel = 9
