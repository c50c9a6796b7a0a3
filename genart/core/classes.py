"""Fashion-MNIST's ten class names, in label order: the classes of every shipped model (the registry's default
for a card that names none) and of the data set (genart/data/datasets.py)."""

FASHION_MNIST = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
