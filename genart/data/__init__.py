"""Data: Fashion-MNIST and image folders (datasets.py), folders and zips turned into data sets (ingest.py), sketch
outlines and conditions (sketch.py), the emoji colour set (emoji.py)."""
