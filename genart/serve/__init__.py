"""What hosting needs: lanes and fairness, batching, uploads, training jobs, and every change to Gradio/uvicorn
(gradio_patches.py: applied by one explicit call, `apply_gradio_patches`, from app.py and the test fixtures)."""
