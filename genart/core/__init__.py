"""The foundation every layer stands on: the device (and ZeroGPU), settings, checkpoints, the model registry,
images and their records, a model's paper colour. Imports nothing else of genart."""
