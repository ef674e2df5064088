enum GzipPlaceholder {}
