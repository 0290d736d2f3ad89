import pytest
import torch

from pyg_weightshare import FullShareConv, backend, h36m_skeleton


def test_segment_csr_is_automatic_by_default_and_off_outside_it():
    assert backend.use_segment_csr is None
    assert not backend.segment_csr_enabled()


@pytest.mark.skipif(not backend.WITH_TORCH_SCATTER, reason="needs torch-scatter")
def test_segment_csr_when_set(monkeypatch):
    monkeypatch.setattr(backend, "use_segment_csr", True)
    assert backend.segment_csr_enabled()


def test_segment_csr_without_torch_scatter_is_refused(monkeypatch):
    monkeypatch.setattr(backend, "WITH_TORCH_SCATTER", False)
    monkeypatch.setattr(backend, "use_segment_csr", True)
    edge_index = h36m_skeleton(16).to_data().edge_index
    with pytest.raises(RuntimeError, match="torch-scatter is not installed"):
        FullShareConv(4, 5)(torch.randn(16, 4), edge_index)
