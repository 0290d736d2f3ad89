import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """The models under test are tiny: extra OpenMP threads only add barrier
    waits, which stall for seconds when other processes load the cores."""
    num_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(num_threads)
