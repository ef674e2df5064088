public enum ProxyConfigPlaceholder {}
