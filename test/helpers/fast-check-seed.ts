/**
 * Every fast-check property in the suite starts from the same seed, so two runs of `npm test` on
 * the same tree try the same inputs. The time-boxed fuzzing of .ci/fuzz passes its own random seed
 * (test/native/fuzz-support.ts); NNBENCH_FUZZ_SEED replays another seed.
 */
import fc from "fast-check";

fc.configureGlobal({ seed: Number(process.env.NNBENCH_FUZZ_SEED ?? 20_261_202) });
