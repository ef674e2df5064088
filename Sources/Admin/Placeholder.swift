enum AdminPlaceholder {}
