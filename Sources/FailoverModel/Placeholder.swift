public enum FailoverModelPlaceholder {}
