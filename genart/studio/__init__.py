"""The studio core: one Gradio-free module per instrument. The API, the UI, the CLI and the tests call these;
nothing here imports gradio."""
