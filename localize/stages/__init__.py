"""The pipeline's steps: ``registry`` says what a stage is, ``graph`` which stages a job makes, and one module per
step (``source``, ``translation``, ``delivery``) holds the stages themselves."""
