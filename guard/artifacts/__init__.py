"""Reading distribution files without running them: what a wheel or sdist holds and the
start-up hooks (``.pth`` files, ``sitecustomize``) it would install."""
