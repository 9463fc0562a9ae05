"""A task suite drawn from the activation literature (`resnet`: the small pre-activation ResNet)."""
