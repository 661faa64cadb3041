import { create } from 'zustand';
import type { AppError } from '../../shared/errors.ts';
import type { SystemStatus } from '../../shared/model/system.model.ts';
import { api, on } from '../api/client.ts';
import { asAppError } from './request-state.ts';

interface SystemState {
  status: SystemStatus | null;
  loading: boolean;
  error: AppError | null;
  load(refresh: boolean): Promise<void>;
}

export const useSystem = create<SystemState>((set) => ({
  status: null,
  loading: false,
  error: null,
  load: async (refresh) => {
    set({ loading: true, error: null });
    try {
      set({ status: await api.system.status({ refresh }), loading: false });
    } catch (error) {
      // What an earlier check found is not shown under a check that failed, as if it still held.
      set({ status: null, error: asAppError(error), loading: false });
    }
  },
}));

on.system.changed((status) => useSystem.setState({ status, loading: false, error: null }));
