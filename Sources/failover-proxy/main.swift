import ArgumentParser
FailoverProxyCommand.main()
