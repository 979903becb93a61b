def pytest_addoption(parser):
    parser.addoption("--server", required=True, help="the moeserve binary")
